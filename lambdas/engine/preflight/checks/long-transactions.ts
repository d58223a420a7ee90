import { humanMs, pass, verdict, type PreflightCheck } from '../types.ts';

export interface OpenTransaction {
  readonly pid: number;
  readonly user: string | null;
  readonly application: string | null;
  readonly state: string | null;
  readonly ageMs: number;
}

export const longTransactions: PreflightCheck = {
  id: 'long-transactions',
  title: 'Transactions open longer than a threshold',
  async run(ctx) {
    const { warnAfterMs, failAfterMs } = ctx.thresholds.longTransactions;
    // Client sessions of this database only: CREATE INDEX CONCURRENTLY waits for their snapshots, and
    // an ACCESS EXCLUSIVE lock queues behind their locks; other databases affect neither.
    const { rows } = await ctx.client.query<OpenTransaction>(
      `SELECT pid, usename AS user, application_name AS application, state,
              (extract(epoch FROM clock_timestamp() - xact_start) * 1000)::float8 AS "ageMs"
         FROM pg_stat_activity
        WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend'
        ORDER BY xact_start`,
    );
    const oldest = rows[0];
    if (!oldest || oldest.ageMs < warnAfterMs) {
      return pass('long-transactions', oldest ? `oldest open transaction: ${humanMs(oldest.ageMs)} (pid ${oldest.pid})` : 'no other transaction open', { open: rows.length });
    }
    const long = rows.filter((r) => r.ageMs >= warnAfterMs);
    const status = oldest.ageMs >= failAfterMs ? 'fail' : 'warn';
    const describe = (r: OpenTransaction): string => {
      const who = [r.application, r.state].filter(Boolean).join(', ');
      return `pid ${r.pid}${who ? ` (${who})` : ''} open ${humanMs(r.ageMs)}`;
    };
    return verdict('long-transactions', status, `${long.length} transaction${long.length === 1 ? '' : 's'} open longer than ${humanMs(warnAfterMs)}: ${long.slice(0, 3).map(describe).join('; ')}${long.length > 3 ? '; …' : ''}`,
      `Let ${long.length === 1 ? 'it' : 'them'} finish or end ${long.length === 1 ? 'it' : 'them'} (SELECT pg_terminate_backend(${oldest.pid})): index builds wait for ${long.length === 1 ? 'it' : 'them'} and DDL locks queue behind ${long.length === 1 ? 'it' : 'them'}.`,
      { transactions: long });
  },
};
