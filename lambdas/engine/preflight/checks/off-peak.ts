import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { pass, verdict, type PreflightCheck } from '../types.ts';

async function transactionsSoFar(client: pg.Client): Promise<number> {
  // Statistics are cached per transaction (stats_fetch_consistency); clear them so each sample is fresh.
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query(`SELECT sum(xact_commit + xact_rollback)::float8 AS n FROM pg_stat_database`);
  return rows[0].n ?? 0;
}

export const offPeak: PreflightCheck = {
  id: 'off-peak',
  title: 'Off-peak guard: active sessions and transaction rate',
  async run(ctx) {
    const { maxActiveSessions, maxTransactionsPerSecond, sampleMs, status } = ctx.thresholds.offPeak;
    const firstCount = await transactionsSoFar(ctx.client);
    const started = performance.now();
    await sleep(sampleMs);
    const secondCount = await transactionsSoFar(ctx.client);
    const seconds = (performance.now() - started) / 1000;
    // Our own two sampling transactions are not load.
    const tps = Math.max(0, Math.round(((secondCount - firstCount - 2) / seconds) * 10) / 10);
    const { rows } = await ctx.client.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    const active: number = rows[0].n;
    const details = { activeSessions: active, transactionsPerSecond: tps, sampleMs, maxActiveSessions, maxTransactionsPerSecond };
    const over: string[] = [];
    if (active > maxActiveSessions) over.push(`${active} active sessions (limit ${maxActiveSessions})`);
    if (tps > maxTransactionsPerSecond) over.push(`${tps} transactions/s (limit ${maxTransactionsPerSecond})`);
    if (over.length === 0) return pass('off-peak', `${active} active sessions, ${tps} transactions/s over ${sampleMs} ms`, details);
    return verdict('off-peak', status, `busier than the off-peak limits: ${over.join(', ')}`,
      'Run in the off-peak window (schedule it), or raise the offPeak thresholds if this load is normal.', details);
  },
};
