import { humanMs, pass, verdict, type PreflightCheck, type PreflightResult, type Thresholds } from '../types.ts';

export interface ReplicaRow {
  readonly name: string;
  /** Replay lag in ms; null when the replica is idle and fully caught up (PostgreSQL reports no lag then). */
  readonly lagMs: number | null;
  readonly lagBytes: number | null;
}

/** Judges replica lag; pure, so it is tested without a replica. */
export function judgeReplicaLag(replicas: readonly ReplicaRow[], thresholds: Thresholds['replicaLag'], source: string): PreflightResult {
  if (replicas.length === 0) return pass('replica-lag', `no replica found (${source})`);
  const worst = [...replicas].sort((a, b) => (b.lagMs ?? 0) - (a.lagMs ?? 0))[0]!;
  const lag = worst.lagMs ?? 0;
  const summary = `${replicas.length} replica${replicas.length === 1 ? '' : 's'}; most behind: ${worst.name} at ${humanMs(lag)}`;
  if (lag < thresholds.warnAfterMs) return pass('replica-lag', summary, { replicas });
  return verdict('replica-lag', lag >= thresholds.failAfterMs ? 'fail' : 'warn', summary,
    `Wait until ${worst.name} catches up (or find why it lags) before adding a migration's WAL on top.`, { replicas });
}

export const replicaLag: PreflightCheck = {
  id: 'replica-lag',
  title: 'Replica lag',
  async run(ctx) {
    if (ctx.server.inRecovery) return pass('replica-lag', 'not checked on a replica');
    if (ctx.server.aurora) {
      // Aurora replicas share storage and do not appear in pg_stat_replication.
      const { rows } = await ctx.client.query<ReplicaRow>(
        `SELECT server_id AS name, replica_lag_in_msec::float8 AS "lagMs", NULL::float8 AS "lagBytes"
           FROM aurora_replica_status() WHERE session_id <> 'MASTER_SESSION_ID'`,
      );
      return judgeReplicaLag(rows, ctx.thresholds.replicaLag, 'aurora_replica_status()');
    }
    const { rows } = await ctx.client.query<ReplicaRow>(
      `SELECT coalesce(nullif(application_name, ''), client_addr::text, pid::text) AS name,
              (extract(epoch FROM replay_lag) * 1000)::float8 AS "lagMs",
              pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS "lagBytes"
         FROM pg_stat_replication ORDER BY 1`,
    );
    return judgeReplicaLag(rows, ctx.thresholds.replicaLag, 'pg_stat_replication');
  },
};
