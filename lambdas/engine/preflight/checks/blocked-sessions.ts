import { humanMs, pass, verdict, type PreflightCheck } from '../types.ts';

export interface BlockedSession {
  readonly pid: number;
  readonly blockedBy: number[];
  readonly waitedMs: number;
  readonly application: string | null;
}

export const blockedSessions: PreflightCheck = {
  id: 'blocked-sessions',
  title: 'Sessions blocked or blocking',
  async run(ctx) {
    const { warnAfterMs, failAfterMs } = ctx.thresholds.blockedSessions;
    // pg_locks.waitstart (when the wait began) exists from PostgreSQL 14; on 13 the query's start stands in.
    const waitStart = ctx.server.versionNum >= 140000
      ? `coalesce((SELECT min(l.waitstart) FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted), a.query_start)`
      : `a.query_start`;
    const { rows } = await ctx.client.query<BlockedSession>(
      `SELECT a.pid, pg_blocking_pids(a.pid) AS "blockedBy", a.application_name AS application,
              (extract(epoch FROM clock_timestamp() - ${waitStart}) * 1000)::float8 AS "waitedMs"
         FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.wait_event_type = 'Lock' AND cardinality(pg_blocking_pids(a.pid)) > 0
        ORDER BY 4 DESC`,
    );
    const blockers = [...new Set(rows.flatMap((r) => r.blockedBy))].filter((pid) => !rows.some((r) => r.pid === pid));
    const details = { blocked: rows, rootBlockers: blockers };
    const longest = rows[0];
    if (!longest || longest.waitedMs < warnAfterMs) {
      return pass('blocked-sessions', rows.length ? `${rows.length} session${rows.length === 1 ? '' : 's'} waiting for a lock, each under ${humanMs(warnAfterMs)}` : 'no session is waiting for a lock', details);
    }
    const status = longest.waitedMs >= failAfterMs ? 'fail' : 'warn';
    return verdict('blocked-sessions', status,
      `${rows.length} session${rows.length === 1 ? '' : 's'} blocked; pid ${longest.pid} has waited ${humanMs(longest.waitedMs)} for a lock held by pid ${longest.blockedBy.join(', ')}`,
      `Find what pid ${blockers.join(', ') || longest.blockedBy.join(', ')} is doing (pg_stat_activity) and let it finish or end it; a migration's lock would queue behind it too.`, details);
  },
};
