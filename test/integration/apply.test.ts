import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { plan, status, describePlannedStatement } from '../../lambdas/engine/apply.ts';
import { loadMigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { urlConnector } from '../../lambdas/local/url-connector.ts';
import { useTestDatabase } from '../support/db.ts';
import { applyDir, applyFiles, quickRetry } from '../support/engine.ts';
import { migrationDir } from '../support/migration-dir.ts';

const db = useTestDatabase();
beforeEach(() => db.reset());

async function tableExists(name: string): Promise<boolean> {
  const { rows } = await db.sql('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
  return rows[0].present;
}

async function ledgerVersions(): Promise<string[]> {
  const { rows } = await db.sql('SELECT version FROM airlock.migrations ORDER BY applied_at, version');
  return rows.map((r) => r.version);
}

describe('apply', () => {
  it('applies pending migrations in numeric order and records each with checksum, duration and run', async () => {
    const { migrations, runId } = await applyFiles(db.url, {
      '10_third.sql': 'ALTER TABLE a ADD COLUMN c int;',
      '2_second.up.sql': 'ALTER TABLE a ADD COLUMN b int;',
      '0001_first.up.sql': 'CREATE TABLE a (id bigint PRIMARY KEY);',
    });
    expect(migrations.map((m) => m.version)).toEqual(['1', '2', '10']);
    const { rows } = await db.sql('SELECT version, name, checksum, duration_ms, run_id FROM airlock.migrations ORDER BY version::int');
    expect(rows.map((r) => [r.version, r.name, r.run_id])).toEqual([
      ['1', 'first', runId],
      ['2', 'second', runId],
      ['10', 'third', runId],
    ]);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum) && r.duration_ms >= 0)).toBe(true);
    const run = await db.sql('SELECT status, command FROM airlock.runs WHERE run_id = $1', [runId]);
    expect(run.rows[0]).toEqual({ status: 'succeeded', command: 'migrate' });
  });

  it('applies nothing the second time', async () => {
    const { dir } = await applyFiles(db.url, { '1_a.sql': 'CREATE TABLE a (id int);' });
    const again = await applyDir(db.url, dir);
    expect(again.migrations).toEqual([]);
    expect(again.done).toBe(true);
  });

  it('stops at --to', async () => {
    const { migrations } = await applyFiles(db.url, { '1_a.sql': 'CREATE TABLE a (id int);', '2_b.sql': 'CREATE TABLE b (id int);' }, { to: '0001' });
    expect(migrations.map((m) => m.version)).toEqual(['1']);
    expect(await tableExists('b')).toBe(false);
  });

  it('rolls back a failing migration whole and names its file and line', async () => {
    const dir = await migrationDir({
      '1_ok.sql': 'CREATE TABLE a (id int);',
      '2_bad.sql': 'CREATE TABLE b (id int);\n\nINSERT INTO b VALUES (1);\nINSERT INTO missing_table VALUES (1);',
    });
    await expect(applyDir(db.url, dir)).rejects.toMatchObject({
      name: 'MigrationFailedError',
      message: expect.stringMatching(/2_bad\.sql:4:13: relation "missing_table" does not exist \(SQLSTATE 42P01\).*rolled back/),
    });
    expect(await tableExists('b')).toBe(false);
    expect(await ledgerVersions()).toEqual(['1']);
    const { rows } = await db.sql(`SELECT status, error FROM airlock.runs`);
    expect(rows[0].status).toBe('failed');
  });

  it('refuses to run when an applied file changed, naming it, and changes nothing', async () => {
    const { dir } = await applyFiles(db.url, { '1_a.sql': 'CREATE TABLE a (id int);' });
    await writeFile(join(dir, '1_a.sql'), 'CREATE TABLE a (id bigint);');
    await writeFile(join(dir, '2_b.sql'), 'CREATE TABLE b (id int);');
    await expect(applyDir(db.url, dir)).rejects.toMatchObject({ name: 'ChecksumMismatchError', message: expect.stringContaining('1_a.sql changed after it was applied') });
    expect(await tableExists('b')).toBe(false);
  });

  it('refuses a pending version below the highest applied unless out-of-order is allowed', async () => {
    const { dir } = await applyFiles(db.url, { '1_a.sql': 'CREATE TABLE a (id int);', '3_c.sql': 'CREATE TABLE c (id int);' });
    await writeFile(join(dir, '2_b.sql'), 'CREATE TABLE b (id int);');
    await expect(applyDir(db.url, dir)).rejects.toMatchObject({ name: 'OutOfOrderError', message: expect.stringContaining('2_b.sql') });
    expect(await tableExists('b')).toBe(false);
    const { migrations } = await applyDir(db.url, dir, { allowOutOfOrder: true });
    expect(migrations.map((m) => m.version)).toEqual(['2']);
  });

  it('creates nothing, not even the ledger, when it refuses before starting', async () => {
    const dir = await migrationDir({ '1_a.sql': 'CREATE TABLE a (id int);' });
    await expect(applyDir(db.url, dir, { gate: async () => Promise.reject(new Error('lint says no')) })).rejects.toThrow('lint says no');
    expect(await tableExists('airlock.migrations')).toBe(false);
  });

  it('records the rules a gate let through for this run', async () => {
    const { runId } = await applyFiles(db.url, { '1_a.sql': 'CREATE TABLE a (id int);' }, { gate: async () => ['require-concurrent-index-creation'] });
    const { rows } = await db.sql('SELECT options FROM airlock.runs WHERE run_id = $1', [runId]);
    expect(rows[0].options.allowUnsafe).toEqual(['require-concurrent-index-creation']);
  });

  it('sets lock_timeout and statement_timeout locally in the migration transaction, from the run and from the file', async () => {
    await applyFiles(
      db.url,
      {
        '1_a.sql': `CREATE TABLE seen (lock text, stmt text);\nINSERT INTO seen SELECT current_setting('lock_timeout'), current_setting('statement_timeout');`,
        '2_b.sql': `-- airlock:lock-timeout 3s\n-- airlock:statement-timeout 30min\nINSERT INTO seen SELECT current_setting('lock_timeout'), current_setting('statement_timeout');`,
      },
      { lockTimeoutMs: 750, statementTimeoutMs: 60_000 },
    );
    const { rows } = await db.sql('SELECT lock, stmt FROM seen');
    expect(rows).toEqual([
      { lock: '750ms', stmt: '1min' },
      { lock: '3s', stmt: '30min' },
    ]);
  });
});

describe('apply under lock contention', () => {
  it('retries a statement that hit lock_timeout until the competing transaction ends, then succeeds', async () => {
    await db.sql('CREATE TABLE busy (id int)');
    const holder = await db.connect();
    await holder.query('BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE');
    const release = setTimeout(() => void holder.query('COMMIT'), 1200);
    const { migrations, events } = await applyFiles(db.url, { '1_add.sql': 'ALTER TABLE busy ADD COLUMN note text;' }, { lockTimeoutMs: 100 });
    clearTimeout(release);
    expect(migrations.map((m) => m.version)).toEqual(['1']);
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((e) => e.type === 'retry' && e.sqlState === '55P03')).toBe(true);
  });

  it('gives up after its retry budget with a LockTimeoutError and leaves nothing applied', async () => {
    await db.sql('CREATE TABLE busy (id int)');
    const holder = await db.connect();
    await holder.query('BEGIN; LOCK TABLE busy IN ACCESS SHARE MODE');
    await expect(
      applyFiles(db.url, { '1_add.sql': 'ALTER TABLE busy ADD COLUMN note text;' }, { lockTimeoutMs: 50, retry: { ...quickRetry, maxAttempts: 3 } }),
    ).rejects.toMatchObject({ name: 'LockTimeoutError', message: expect.stringContaining('1_add.sql:1:1: could not get its lock after 3 attempts') });
    await holder.query('ROLLBACK');
    expect(await ledgerVersions()).toEqual([]);
    const { rows } = await db.sql(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'note'`);
    expect(rows[0].n).toBe(0);
  });

  it('lets a second run wait a bounded time, then fail with "another run holds the lock", changing nothing', async () => {
    const other = await db.connect();
    await other.query('SELECT pg_advisory_lock(1095912523, 1)');
    const started = Date.now();
    await expect(applyFiles(db.url, { '1_a.sql': 'CREATE TABLE a (id int);' }, { lockWaitMs: 600 })).rejects.toMatchObject({
      name: 'LockBusyError',
      message: expect.stringMatching(/another run holds the lock \(pid \d+/),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(await tableExists('a')).toBe(false);
    await other.query('SELECT pg_advisory_unlock_all()');
  });

  it('runs two concurrent runs one after the other: each migration is applied once', async () => {
    const dir = await migrationDir({ '1_slow.sql': 'CREATE TABLE a (id int);\nSELECT pg_sleep(0.5);', '2_b.sql': 'CREATE TABLE b (id int);' });
    const [first, second] = await Promise.all([applyDir(db.url, dir), applyDir(db.url, dir)]);
    expect([...first.migrations, ...second.migrations].map((m) => m.version).sort()).toEqual(['1', '2']);
    expect(await ledgerVersions()).toEqual(['1', '2']);
  });

  it('keeps the ledger consistent when its backend is terminated mid-migration, and a re-run completes', async () => {
    const dir = await migrationDir({ '1_a.sql': 'CREATE TABLE a (id int);', '2_slow.sql': 'CREATE TABLE b (id int);\nSELECT pg_sleep(5);' });
    const killer = await db.connect();
    const kill = (async () => {
      for (let i = 0; i < 100; i++) {
        const { rows } = await killer.query(`SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(5)%' AND datname = current_database() AND pid <> pg_backend_pid()`);
        if (rows.length > 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await expect(applyDir(db.url, dir)).rejects.toMatchObject({ name: 'MigrationFailedError', message: expect.stringContaining('2_slow.sql:2:1') });
    await kill;
    expect(await ledgerVersions()).toEqual(['1']);
    expect(await tableExists('b')).toBe(false);
    await writeFile(join(dir, '2_slow.sql'), 'CREATE TABLE b (id int);\nSELECT pg_sleep(0.01);');
    const rerun = await applyDir(db.url, dir);
    expect(rerun.migrations.map((m) => m.version)).toEqual(['2']);
  });
});

describe('apply in autocommit', () => {
  it('runs a file with CREATE INDEX CONCURRENTLY statement by statement outside a transaction', async () => {
    const { events } = await applyFiles(db.url, {
      '1_t.sql': 'CREATE TABLE t (id int, a int);',
      '2_idx.sql': 'CREATE INDEX CONCURRENTLY t_a_idx ON t (a);\nCREATE INDEX CONCURRENTLY t_id_idx ON t (id);',
    });
    expect(events.find((e) => e.type === 'migration-start' && e.version === '2')).toMatchObject({ mode: 'autocommit' });
    const { rows } = await db.sql(`SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 't'::regclass ORDER BY 1`);
    expect(rows).toEqual([
      { relname: 't_a_idx', indisvalid: true },
      { relname: 't_id_idx', indisvalid: true },
    ]);
    const progress = await db.sql('SELECT count(*)::int AS n FROM airlock.progress');
    expect(progress.rows[0].n).toBe(0);
  });

  it('drops the INVALID index an interrupted CONCURRENTLY build left and builds it again on re-run', async () => {
    await db.sql('CREATE TABLE t (a int); INSERT INTO t VALUES (1), (1), (2)');
    const dir = await migrationDir({ '1_uniq.sql': '-- airlock:no-transaction\nCREATE TABLE log (x int);\nCREATE UNIQUE INDEX CONCURRENTLY t_a_key ON t (a);' });
    await expect(applyDir(db.url, dir)).rejects.toMatchObject({ name: 'MigrationFailedError', message: expect.stringContaining('1_uniq.sql:3:1') });
    const invalid = await db.sql(`SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a_key'::regclass`);
    expect(invalid.rows[0].indisvalid).toBe(false);
    await db.sql('DELETE FROM t WHERE ctid = (SELECT min(ctid) FROM t WHERE a = 1)');

    const { events } = await applyDir(db.url, dir);

    expect(events).toContainEqual(expect.objectContaining({ type: 'invalid-index-dropped', index: 'public.t_a_key' }));
    const valid = await db.sql(`SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a_key'::regclass`);
    expect(valid.rows[0].indisvalid).toBe(true);
    expect(await ledgerVersions()).toEqual(['1']);
  });

  it('drops the INVALID index of a mixed-case table created with a quoted name, and builds it again on re-run', async () => {
    await db.sql('CREATE TABLE "Orders" (a int); INSERT INTO "Orders" VALUES (1), (1), (2)');
    const dir = await migrationDir({ '1_uniq.sql': '-- airlock:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY "Orders_a_key" ON "Orders" (a);' });
    await expect(applyDir(db.url, dir)).rejects.toMatchObject({ name: 'MigrationFailedError', message: expect.stringContaining('1_uniq.sql:2:1') });
    await db.sql('DELETE FROM "Orders" WHERE ctid = (SELECT min(ctid) FROM "Orders" WHERE a = 1)');

    const { events } = await applyDir(db.url, dir);

    expect(events).toContainEqual(expect.objectContaining({ type: 'invalid-index-dropped', index: 'public."Orders_a_key"' }));
    const valid = await db.sql(`SELECT indisvalid FROM pg_index WHERE indexrelid = '"Orders_a_key"'::regclass`);
    expect(valid.rows[0].indisvalid).toBe(true);
    expect(await ledgerVersions()).toEqual(['1']);
  });

  it('resumes after the statements an earlier run completed, re-running only the failed one once fixed', async () => {
    const dir = await migrationDir({ '1_steps.sql': '-- airlock:no-transaction\nCREATE TABLE s1 (x int);\nINSERT INTO nowhere VALUES (1);\nCREATE TABLE s3 (x int);' });
    await expect(applyDir(db.url, dir)).rejects.toMatchObject({ message: expect.stringContaining('stayed applied (autocommit)') });
    expect(await tableExists('s1')).toBe(true);
    await writeFile(join(dir, '1_steps.sql'), '-- airlock:no-transaction\nCREATE TABLE s1 (x int);\nCREATE TABLE s2 (x int);\nCREATE TABLE s3 (x int);');

    const { migrations } = await applyDir(db.url, dir);

    expect(migrations.map((m) => m.version)).toEqual(['1']);
    expect(await tableExists('s2')).toBe(true);
    expect(await tableExists('s3')).toBe(true);
  });

  it('refuses to resume when a statement an earlier run completed has changed since', async () => {
    const dir = await migrationDir({ '1_steps.sql': '-- airlock:no-transaction\nCREATE TABLE s1 (x int);\nINSERT INTO nowhere VALUES (1);' });
    await expect(applyDir(db.url, dir)).rejects.toMatchObject({ name: 'MigrationFailedError' });
    await writeFile(join(dir, '1_steps.sql'), '-- airlock:no-transaction\nCREATE TABLE s1 (x bigint);\nSELECT 1;');
    await expect(applyDir(db.url, dir)).rejects.toMatchObject({ name: 'ChecksumMismatchError', message: expect.stringContaining('statement 1 was already applied') });
  });
});

describe('plan (dry run)', () => {
  it('lists each pending statement with its lock, its table work and its transaction mode, changing nothing', async () => {
    await db.sql('CREATE TABLE t (id int, a int)');
    const dir = await migrationDir({
      '1_col.sql': 'ALTER TABLE t ADD COLUMN b uuid DEFAULT gen_random_uuid();',
      '2_idx.sql': 'CREATE INDEX CONCURRENTLY t_a ON t (a);',
    });
    const { migrations: planned, server } = await plan({ connector: urlConnector(db.url), set: await loadMigrationSet(dir) });
    expect(server.num).toBeGreaterThanOrEqual(130000);
    expect(planned.map((m) => [m.version, m.mode])).toEqual([
      ['1', 'transaction'],
      ['2', 'autocommit'],
    ]);
    expect(describePlannedStatement(planned[0]!.statements[0]!)).toBe('ACCESS EXCLUSIVE on t (blocks reads and writes); REWRITES the table; transaction; lock_timeout 500ms');
    expect(describePlannedStatement(planned[1]!.statements[0]!)).toBe('SHARE UPDATE EXCLUSIVE on t (blocks DDL only); builds an index; autocommit; waits for its lock (blocks no client)');
    expect(await tableExists('airlock.migrations')).toBe(false);
  });
});

describe('status', () => {
  it('lists applied and pending migrations, and files changed or missing since', async () => {
    const { dir } = await applyFiles(db.url, { '1_a.sql': 'CREATE TABLE a (id int);', '2_b.sql': 'CREATE TABLE b (id int);' });
    await writeFile(join(dir, '3_c.sql'), 'CREATE TABLE c (id int);');
    await writeFile(join(dir, '1_a.sql'), 'CREATE TABLE a (id bigint);');
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, '2_b.sql'));
    const report = await status({ connector: urlConnector(db.url), set: await loadMigrationSet(dir) });
    expect(report.applied.map((a) => [a.version, a.name])).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);
    expect(report.pending).toEqual([{ version: '3', name: 'c' }]);
    expect(report.changed.map((c) => c.version)).toEqual(['1']);
    expect(report.missing).toEqual([{ version: '2', name: 'b' }]);
  });
});
