import { readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordApplied } from '../../lambdas/engine/ledger.ts';
import { loadMigrationSet, type MigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { runPreflight, type PreflightOptions } from '../../lambdas/engine/preflight/preflight.ts';
import { preflightChecks } from '../../lambdas/engine/preflight/registry.ts';
import { dataDirectoryFreeStorage } from '../../lambdas/local/data-directory-storage.ts';
import { urlConnector } from '../../lambdas/local/url-connector.ts';
import { useTestDatabase } from '../support/db.ts';
import { applyBySql } from '../support/engine.ts';
import { migrationDir } from '../support/migration-dir.ts';

const db = useTestDatabase();

const files = {
  '0001_items.up.sql': 'CREATE TABLE items (id int PRIMARY KEY, sku text, price numeric);',
  '0002_sku_index.up.sql': 'CREATE INDEX CONCURRENTLY items_sku_idx ON items (sku);',
  '0003_uid.up.sql': 'ALTER TABLE items ADD COLUMN uid uuid DEFAULT gen_random_uuid();',
  '0004_new_table.up.sql': 'CREATE TABLE tags (id int, name text);\nCREATE INDEX tags_name_idx ON tags (name);',
};
let set: MigrationSet;

beforeAll(async () => {
  set = await loadMigrationSet(await migrationDir(files));
  await applyBySql(db.client, set, ['1'], 'r1');
  await db.sql(`INSERT INTO items SELECT g, 'sku-' || g, g FROM generate_series(1, 20000) g; ANALYZE items`);
});

const opened: pg.Client[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.end().catch(() => {})));
});
async function session(): Promise<pg.Client> {
  const c = await db.connect();
  opened.push(c);
  return c;
}

async function check(id: string, options: Partial<PreflightOptions> = {}) {
  const report = await runPreflight({ connector: urlConnector(db.url), set, only: [id], ...options });
  expect(report.results).toHaveLength(1);
  return { report, result: report.results[0]! };
}

describe('preflight registry', () => {
  it('registers every check file once, under its file name', async () => {
    const fileIds = (await readdir(new URL('../../lambdas/engine/preflight/checks/', import.meta.url))).map((f) => f.replace(/\.ts$/, '')).sort();
    expect(preflightChecks.map((c) => c.id).sort()).toEqual(fileIds);
  });
});

describe('preflight checks', () => {
  it('connectivity: passes with the server version, and fails on an unreachable server with a remedy', async () => {
    const { result, report } = await check('connectivity');
    expect(result.status).toBe('pass');
    expect(result.message).toMatch(/^connected to PostgreSQL \d+\.\d+ in \d+ ms/);
    expect(report.server!.versionNum).toBeGreaterThanOrEqual(130000);
    const down = await runPreflight({ connector: urlConnector('postgres://u:secret@127.0.0.1:1/x'), set });
    expect(down.passed).toBe(false);
    expect(down.results).toEqual([expect.objectContaining({ id: 'connectivity', status: 'fail', remedy: expect.stringMatching(/host, port/) })]);
    expect(JSON.stringify(down)).not.toContain('secret');
  });

  it('ledger-files: lists what is pending, and fails on an edited applied file and on an out-of-order pending one', async () => {
    const { result, report } = await check('ledger-files');
    expect(result).toMatchObject({ status: 'pass', message: '3 pending: 2 (sku_index), 3 (uid), 4 (new_table)' });
    expect(report.pending).toEqual(['2', '3', '4']);
    const edited = await loadMigrationSet(await migrationDir({ ...files, '0001_items.up.sql': `${files['0001_items.up.sql']} -- edited` }));
    expect((await check('ledger-files', { set: edited })).result).toMatchObject({ status: 'fail', remedy: expect.stringMatching(/Restore the applied files/) });
    await recordApplied(db.client, { version: '3', name: 'uid', checksum: set.migrations[2]!.up.checksum, durationMs: 1, runId: 'r2' });
    try {
      expect((await check('ledger-files')).result).toMatchObject({ status: 'fail', message: 'pending below the highest applied version 3: 2 (sku_index)' });
      expect((await check('ledger-files', { thresholds: { ledger: { allowOutOfOrder: true } } })).result.status).toBe('warn');
    } finally {
      await db.sql(`DELETE FROM airlock.migrations WHERE version = '3'`);
    }
  });

  it('invalid-indexes: passes on a clean database, and fails on an index left INVALID by a failed build', async () => {
    expect((await check('invalid-indexes')).result.status).toBe('pass');
    await db.sql(`CREATE TABLE dupes (v int); INSERT INTO dupes VALUES (1), (1)`);
    await expect(db.sql(`CREATE UNIQUE INDEX CONCURRENTLY dupes_v_uq ON dupes (v)`)).rejects.toThrow();
    try {
      const { result } = await check('invalid-indexes');
      expect(result).toMatchObject({ status: 'fail', message: '1 INVALID index left by a failed build: public.dupes_v_uq on dupes' });
      expect(result.remedy).toMatch(/DROP INDEX CONCURRENTLY public\.dupes_v_uq/);
    } finally {
      await db.sql(`DROP TABLE dupes`);
    }
  });

  it('long-transactions: warns, then fails, on a transaction left open in another session', async () => {
    const idle = await session();
    await idle.query(`SET application_name = 'report-job'; BEGIN; SELECT 1`);
    await sleep(150);
    const warned = (await check('long-transactions', { thresholds: { longTransactions: { warnAfterMs: 100, failAfterMs: 60_000 } } })).result;
    expect(warned.status).toBe('warn');
    expect(warned.message).toMatch(/^1 transaction open longer than 100 ms: pid \d+ \(report-job, idle in transaction\) open/);
    expect(warned.remedy).toMatch(/pg_terminate_backend\(\d+\)/);
    expect((await check('long-transactions', { thresholds: { longTransactions: { warnAfterMs: 50, failAfterMs: '100ms' } } })).result.status).toBe('fail');
    await idle.query('COMMIT');
    expect((await check('long-transactions', { thresholds: { longTransactions: { warnAfterMs: 100 } } })).result.status).toBe('pass');
  });

  it('blocked-sessions: passes with nobody waiting, and warns or fails on a session blocked behind a lock', async () => {
    expect((await check('blocked-sessions')).result).toMatchObject({ status: 'pass', message: 'no session is waiting for a lock' });
    const holder = await session();
    const waiter = await session();
    await holder.query(`BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE`);
    const waiting = waiter.query(`SELECT count(*) FROM items`).catch(() => undefined);
    await sleep(300);
    const { rows } = await holder.query('SELECT pg_backend_pid() AS pid');
    const warned = (await check('blocked-sessions', { thresholds: { blockedSessions: { warnAfterMs: 100, failAfterMs: 60_000 } } })).result;
    expect(warned.status).toBe('warn');
    expect(warned.message).toMatch(new RegExp(`^1 session blocked; pid \\d+ has waited [\\d.]+ (ms|s) for a lock held by pid ${rows[0].pid}$`));
    expect((await check('blocked-sessions', { thresholds: { blockedSessions: { warnAfterMs: 100, failAfterMs: 200 } } })).result.status).toBe('fail');
    await holder.query('ROLLBACK');
    await waiting;
  });

  it('replication-slots: warns on an inactive slot and fails when it retains more WAL than allowed', async () => {
    const slot = `airlock_test_${db.name}`;
    await db.sql(`SELECT pg_create_physical_replication_slot($1, true)`, [slot]);
    try {
      await db.sql(`CREATE TABLE wal_filler AS SELECT g FROM generate_series(1, 10000) g`);
      const warned = (await check('replication-slots')).result;
      expect(warned.status).toBe('warn');
      expect(warned.message).toContain(`${slot} (physical, keeps`);
      expect(warned.remedy).toContain(`pg_drop_replication_slot('`);
      expect((await check('replication-slots', { thresholds: { replicationSlots: { failRetainedBytes: 1 } } })).result.status).toBe('fail');
    } finally {
      await db.sql(`SELECT pg_drop_replication_slot($1)`, [slot]);
    }
    expect((await check('replication-slots')).result.status).toBe('pass');
  });

  it('replica-lag: passes when no replica streams from the server', async () => {
    expect((await check('replica-lag')).result).toMatchObject({ status: 'pass', message: 'no replica found (pg_stat_replication)' });
  });

  it('storage: estimates the index build and the rewrite, and judges them against free storage', async () => {
    const unknown = (await check('storage')).result;
    expect(unknown.status).toBe('warn');
    expect(unknown.message).toMatch(/need about [\d.]+ MB \(2 index builds or rewrites\); free storage is unknown here$/);
    const needs = (unknown.details as { needs: Array<{ version: string; work: string; table: string }> }).needs;
    expect(needs.map((n) => [n.version, n.work, n.table])).toEqual([['2', 'build', 'items'], ['3', 'rewrite', 'items']]);
    expect((await check('storage', { freeStorageBytes: async () => 1e12 })).result.status).toBe('pass');
    expect((await check('storage', { freeStorageBytes: async () => 1e6 })).result).toMatchObject({ status: 'fail', remedy: expect.stringMatching(/Grow the storage/) });
  });

  it('storage: reads free space from the data directory of a local server, and knows nothing of a remote one', async () => {
    const free = await dataDirectoryFreeStorage(db.url)(db.client);
    expect(free).toBeGreaterThan(0);
    const remote = 'postgres://u:p@db.example.com:5432/app';
    expect(await dataDirectoryFreeStorage(remote)(db.client)).toBeUndefined();
  });

  it('storage: passes when nothing pending builds or rewrites an existing table', async () => {
    const onlyNewTable = await loadMigrationSet(await migrationDir({ '0001_items.up.sql': files['0001_items.up.sql'], '0004_new_table.up.sql': files['0004_new_table.up.sql'] }));
    expect((await check('storage', { set: onlyNewTable })).result).toMatchObject({ status: 'pass', message: 'the pending migrations build or rewrite nothing that needs space' });
  });

  it('connections: passes well under max_connections, and warns or fails at the configured shares', async () => {
    expect((await check('connections')).result.status).toBe('pass');
    expect((await check('connections', { thresholds: { connections: { warnRatio: 0, failRatio: 1 } } })).result.status).toBe('warn');
    const failed = (await check('connections', { thresholds: { connections: { warnRatio: 0, failRatio: 0 } } })).result;
    expect(failed.status).toBe('fail');
    expect(failed.message).toMatch(/^\d+ of \d+ usable connections in use/);
  });

  it('off-peak: passes under its limits, and fails on too many active sessions', async () => {
    // Generous limits: other test files share this server and its statistics while this one runs.
    const under = (await check('off-peak', { thresholds: { offPeak: { sampleMs: 100, maxActiveSessions: 200, maxTransactionsPerSecond: 1e9 } } })).result;
    expect(under).toMatchObject({ status: 'pass', message: expect.stringMatching(/^\d+ active sessions, [\d.]+ transactions\/s over 100 ms$/) });
    const sleepers = await Promise.all([session(), session()]);
    const running = sleepers.map((s) => s.query('SELECT pg_sleep(1.5)'));
    await sleep(100);
    const busy = (await check('off-peak', { thresholds: { offPeak: { sampleMs: 100, maxActiveSessions: 1 } } })).result;
    expect(busy).toMatchObject({ status: 'fail', message: expect.stringMatching(/^busier than the off-peak limits: \d+ active sessions \(limit 1\)$/) });
    expect((await check('off-peak', { thresholds: { offPeak: { sampleMs: 100, maxActiveSessions: 1, status: 'warn' } } })).result.status).toBe('warn');
    await Promise.all(running);
  });

  it('off-peak: fails when the transaction rate is over the limit', async () => {
    const loader = await session();
    let stop = false;
    const load = (async () => {
      while (!stop) await loader.query('SELECT 1');
    })();
    try {
      const { result } = await check('off-peak', { thresholds: { offPeak: { sampleMs: 1_500, maxTransactionsPerSecond: 5 } } });
      expect(result.status).toBe('fail');
      expect(result.message).toMatch(/[\d.]+ transactions\/s \(limit 5\)/);
    } finally {
      stop = true;
      await load;
    }
  });

  it('runs every registered check and passes a healthy database with no pending work', async () => {
    const applied = await loadMigrationSet(await migrationDir({ '0001_items.up.sql': files['0001_items.up.sql'] }));
    const report = await runPreflight({ connector: urlConnector(db.url), set: applied, thresholds: { offPeak: { sampleMs: 100, maxActiveSessions: 200, maxTransactionsPerSecond: 1e9 } } });
    expect(report.results.map((r) => r.id)).toEqual(preflightChecks.map((c) => c.id));
    expect(report.results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.results.every((r) => r.remedy === '')).toBe(true);
  });
});

// Each lane (pg13, pg17, pg18; see vitest.config.ts) runs the branch of the query its server takes.
const versionNum = inject('serverVersionNum');
describe(`preflight queries that depend on the server version, on PostgreSQL ${Math.floor(versionNum / 10000)}`, () => {
  /** A session blocked behind a lock after running for `beforeMs` first, in the same statement. */
  async function blockedAfter(beforeMs: number): Promise<{ done: Promise<unknown>; release: () => Promise<void> }> {
    const holder = await session();
    const waiter = await session();
    await holder.query(`BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE`);
    const done = waiter.query(`DO $$ BEGIN PERFORM pg_sleep(${beforeMs / 1000}); PERFORM count(*) FROM items; END $$`).catch(() => undefined);
    for (let i = 0; i < 200; i++) {
      const { rows } = await db.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (rows[0].n > 0) break;
      await sleep(25);
    }
    return { done, release: async () => void (await holder.query('ROLLBACK')) };
  }
  const waited = (result: { details?: unknown }): number => (result.details as { blocked: Array<{ waitedMs: number }> }).blocked[0]!.waitedMs;

  it.runIf(versionNum >= 140000)('blocked-sessions: times the wait from pg_locks.waitstart (14+), not from the start of the statement', async () => {
    const { done, release } = await blockedAfter(3000);
    const { result } = await check('blocked-sessions', { thresholds: { blockedSessions: { warnAfterMs: 60_000, failAfterMs: 120_000 } } });
    await release();
    await done;
    expect(waited(result)).toBeLessThan(2500);
  });

  it.runIf(versionNum < 140000)('blocked-sessions: times the wait from the start of the statement on 13, which has no pg_locks.waitstart', async () => {
    const { done, release } = await blockedAfter(3000);
    const { result } = await check('blocked-sessions', { thresholds: { blockedSessions: { warnAfterMs: 60_000, failAfterMs: 120_000 } } });
    await release();
    await done;
    expect(waited(result)).toBeGreaterThanOrEqual(3000);
  });

  it.runIf(versionNum >= 160000)('connections: counts reserved_connections (16+) with superuser_reserved_connections', async () => {
    const { rows } = await db.sql(`SELECT current_setting('superuser_reserved_connections')::int + current_setting('reserved_connections')::int AS reserved`);
    expect((await check('connections')).result).toMatchObject({ status: 'pass', details: { reserved: rows[0].reserved } });
  });

  it.runIf(versionNum < 160000)('connections: counts superuser_reserved_connections alone before 16, which has no reserved_connections', async () => {
    await expect(db.sql(`SELECT current_setting('reserved_connections')`)).rejects.toMatchObject({ code: '42704' });
    const { rows } = await db.sql(`SELECT current_setting('superuser_reserved_connections')::int AS reserved`);
    expect((await check('connections')).result).toMatchObject({ status: 'pass', details: { reserved: rows[0].reserved } });
  });

  async function withInactiveSlot(fn: (slot: string) => Promise<void>): Promise<void> {
    const slot = `airlock_version_${db.name}`;
    await db.sql(`SELECT pg_create_physical_replication_slot($1, true)`, [slot]);
    try {
      await fn(slot);
    } finally {
      await db.sql(`SELECT pg_drop_replication_slot($1)`, [slot]);
    }
  }
  const slotRow = (result: { details?: unknown }, slot: string) => (result.details as { slots: Array<{ name: string; inactiveMs: number | null }> }).slots.find((s) => s.name === slot);

  it.runIf(versionNum >= 170000)('replication-slots: says how long a slot has been inactive, from inactive_since (17+)', async () => {
    await withInactiveSlot(async (slot) => {
      const { result } = await check('replication-slots');
      expect(slotRow(result, slot)?.inactiveMs).toBeGreaterThanOrEqual(0);
      expect(result.message).toMatch(new RegExp(`${slot} \\(physical, keeps [^)]*, inactive for `));
    });
  });

  it.runIf(versionNum < 170000)('replication-slots: reports an inactive slot without its inactive time before 17, which has no inactive_since', async () => {
    await withInactiveSlot(async (slot) => {
      const { result } = await check('replication-slots');
      expect(result.status).toBe('warn');
      expect(slotRow(result, slot)).toMatchObject({ inactiveMs: null });
      expect(result.message).not.toContain('inactive for');
    });
  });
});
