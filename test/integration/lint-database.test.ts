import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { InputError, LintGateError } from '../../lambdas/errors.ts';
import { apply } from '../../lambdas/engine/apply.ts';
import { ensureLedger, recordApplied } from '../../lambdas/engine/ledger.ts';
import { urlConnector } from '../../lambdas/local/url-connector.ts';
import { gateForApply, lintGate } from '../../lambdas/engine/lint/gate.ts';
import { lintPaths } from '../../lambdas/engine/lint/index.ts';
import { loadMigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { useTestDatabase } from '../support/db.ts';
import { migrationDir } from '../support/migration-dir.ts';

const db = useTestDatabase();

beforeAll(async () => {
  await db.sql(`
    CREATE TABLE big (id bigint PRIMARY KEY, name varchar(20), phone text, note text);
    INSERT INTO big SELECT g, 'n' || g, '555-' || g, repeat('x', 40) FROM generate_series(1, 30000) g;
    ALTER TABLE big ADD CONSTRAINT big_phone_present CHECK (phone IS NOT NULL);
    ALTER TABLE big ADD CONSTRAINT big_note_nonempty CHECK (note <> '');
    CREATE INDEX big_name_idx ON big (name);
    CREATE TABLE small (id bigint PRIMARY KEY, code text);
    INSERT INTO small VALUES (1, 'a'), (2, 'b');
    CREATE TABLE "Quoted" ("Id" bigint, "Label" varchar(10));
    ANALYZE;
  `);
});

async function lintOne(sql: string): Promise<Array<{ rule: string; severity: string; message: string }>> {
  const dir = await migrationDir({ '0001_m.sql': sql });
  return (await lintPaths([dir], { databaseUrl: db.url })).findings;
}

describe('lint with --database-url', () => {
  it('reads existing column types: varchar(n) to text passes, integer-like changes do not', async () => {
    expect(await lintOne('ALTER TABLE big ALTER COLUMN name TYPE text;')).toEqual([]);
    expect((await lintOne('ALTER TABLE "Quoted" ALTER COLUMN "Label" TYPE varchar(30);')).map((f) => f.rule)).toEqual(['prefer-text']);
    const [finding] = await lintOne('ALTER TABLE big ALTER COLUMN name TYPE varchar(10);');
    expect(finding?.rule).toBe('changing-column-type');
    expect(finding?.message).toContain('character varying(20) → varchar(10) is not binary-coercible');
  });

  it('knows a validated CHECK (col IS NOT NULL), so SET NOT NULL on that column passes and on another (with another CHECK) does not', async () => {
    expect(await lintOne('ALTER TABLE big ALTER COLUMN phone SET NOT NULL;')).toEqual([]);
    expect((await lintOne('ALTER TABLE big ALTER COLUMN note SET NOT NULL;')).map((f) => f.rule)).toEqual(['setting-not-null']);
  });

  it('drops a lock rule to a warning on a table of a few rows, and says so', async () => {
    const [onSmall] = await lintOne('CREATE INDEX small_code ON small (code);');
    expect(onSmall?.severity).toBe('warning');
    expect(onSmall?.message).toContain('small (about 2 rows');
    const [onBig] = await lintOne('CREATE INDEX big_note ON big (note);');
    expect(onBig?.severity).toBe('error');
  });

  it('keeps data-loss rules errors whatever the table size', async () => {
    expect((await lintOne('DROP TABLE small;')).map((f) => f.severity)).toEqual(['error']);
  });

  it('reads NOT NULL columns and index columns: ADD PRIMARY KEY USING INDEX is reported only on a nullable key', async () => {
    await db.sql(`CREATE TABLE accounts (id bigint, code text NOT NULL, tag text) ; CREATE UNIQUE INDEX accounts_id_idx ON accounts (id) INCLUDE (tag); CREATE UNIQUE INDEX accounts_code_idx ON accounts (code)`);
    const onNullable = await lintOne('ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_id_idx;');
    expect(onNullable.map((f) => [f.rule, f.message.slice(0, 61)])).toEqual([['setting-not-null', 'ADD PRIMARY KEY USING INDEX accounts_id_idx makes id NOT NULL']]);
    expect(await lintOne('ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_code_idx;')).toEqual([]);
  });

  it('finds the index of a table outside public in that schema', async () => {
    await db.sql(`CREATE SCHEMA app; CREATE TABLE app.members (id bigint); CREATE UNIQUE INDEX members_id_idx ON app.members (id)`);
    expect((await lintOne('ALTER TABLE app.members ADD CONSTRAINT members_pkey PRIMARY KEY USING INDEX members_id_idx;')).map((f) => f.rule)).toEqual(['setting-not-null']);
  });

  it.runIf(inject('serverVersionNum') >= 180000)('does not take a NOT NULL constraint added NOT VALID (PostgreSQL 18) for NOT NULL', async () => {
    await db.sql(`CREATE TABLE nv (id bigint); ALTER TABLE nv ADD CONSTRAINT nv_id_nn NOT NULL id NOT VALID; CREATE UNIQUE INDEX nv_idx ON nv (id)`);
    expect((await lintOne('ALTER TABLE nv ADD CONSTRAINT nv_pkey PRIMARY KEY USING INDEX nv_idx;')).map((f) => f.rule)).toEqual(['setting-not-null']);
  });

  it.runIf(inject('serverVersionNum') >= 180000)('takes the column of a NOT NULL … NOT VALID in the database as NOT NULL once a migration validates it (PostgreSQL 18)', async () => {
    await db.sql(`CREATE TABLE nv2 (id bigint); ALTER TABLE nv2 ADD CONSTRAINT nv2_required NOT NULL id NOT VALID`);
    expect((await lintOne('ALTER TABLE nv2 ALTER COLUMN id SET NOT NULL;')).map((f) => f.rule)).toEqual(['setting-not-null']);
    expect(await lintOne('-- airlock:no-transaction\nALTER TABLE nv2 VALIDATE CONSTRAINT nv2_required;\nALTER TABLE nv2 ALTER COLUMN id SET NOT NULL;')).toEqual([]);
  });

  it("finds an index's table for DROP INDEX", async () => {
    const [finding] = await lintOne('DROP INDEX big_name_idx;');
    expect(finding?.message).toContain('ACCESS EXCLUSIVE on big');
  });

  it('skips migrations the ledger records with the same checksum, and lints a changed one', async () => {
    const dir = await migrationDir({ '0001_done.sql': 'CREATE INDEX big_id2 ON big (id);', '0002_next.sql': 'CREATE INDEX big_phone ON big (phone);' });
    await ensureLedger(db.client);
    const checksum = createHash('sha256').update(await readFile(join(dir, '0001_done.sql'))).digest('hex');
    await recordApplied(db.client, { version: '1', name: 'done', checksum, durationMs: 1, runId: 'r1' });
    const { findings } = await lintPaths([dir], { databaseUrl: db.url });
    expect(findings.map((f) => f.file.endsWith('0002_next.sql'))).toEqual([true]);
    await db.sql(`DELETE FROM airlock.migrations; DELETE FROM airlock.history`);
  });

  it('gives each lone file its own view of the database schema', async () => {
    const dir = await migrationDir({ 'a.sql': 'ALTER TABLE big ALTER COLUMN name TYPE text;', 'b.sql': 'ALTER TABLE big ALTER COLUMN name TYPE varchar(10);' });
    const { findings } = await lintPaths([dir], { databaseUrl: db.url });
    const changes = findings.filter((f) => f.rule === 'changing-column-type');
    expect(changes.map((f) => f.message.includes('character varying(20) → varchar(10)'))).toEqual([true]);
  });

  it('never changes the database', async () => {
    const before = await db.sql(`SELECT count(*)::int AS n FROM pg_class`);
    await lintOne('DROP TABLE big; CREATE TABLE x (a int);');
    const after = await db.sql(`SELECT count(*)::int AS n FROM pg_class`);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});

describe('lintGate', () => {
  it('blocks an unsafe statement on a table an applied migration created, since it may hold rows', async () => {
    const dir = await migrationDir({ '0001_big.sql': 'CREATE TABLE big (id bigint PRIMARY KEY, note text);', '0002_index.sql': 'CREATE INDEX big_note2 ON big (note);' });
    const set = await loadMigrationSet(dir);
    const { blocking, overridden } = await lintGate(set, { pendingVersions: ['2'], client: db.client });
    expect(blocking.map((f) => f.rule)).toEqual(['require-concurrent-index-creation']);
    expect(overridden).toEqual([]);
  });

  it('lets through a table created by an earlier pending migration, and the applied ones are not linted', async () => {
    const dir = await migrationDir({
      '0001_old.sql': 'CREATE INDEX old_idx ON big (note);',
      '0002_new.sql': 'CREATE TABLE fresh (id bigint, note text);',
      '0003_index.sql': 'CREATE INDEX fresh_note ON fresh (note);',
    });
    const set = await loadMigrationSet(dir);
    expect(await lintGate(set, { pendingVersions: ['2', '3'], client: db.client })).toEqual({ blocking: [], overridden: [] });
  });

  it('moves findings of a rule named in allowUnsafe to overridden, by id or squawk alias', async () => {
    const dir = await migrationDir({ '0001_drop.sql': 'ALTER TABLE big DROP COLUMN note;\nCREATE INDEX big_n3 ON big (name);' });
    const set = await loadMigrationSet(dir);
    const result = await lintGate(set, { pendingVersions: ['1'], allowUnsafe: ['ban-drop-column'], client: db.client });
    expect(result.blocking.map((f) => f.rule)).toEqual(['require-concurrent-index-creation']);
    expect(result.overridden.map((f) => f.rule)).toEqual(['dropping-column']);
  });

  it('does not block on warnings or on findings an allow directive acknowledges', async () => {
    const dir = await migrationDir({
      '0001_ok.sql': '-- airlock:allow require-concurrent-index-creation built at night, 2 minutes measured on a copy\nCREATE INDEX big_n4 ON big (name);\nALTER TABLE big ADD COLUMN extra json;',
    });
    const set = await loadMigrationSet(dir);
    expect((await lintGate(set, { pendingVersions: ['1'], client: db.client })).blocking).toEqual([]);
  });

  it('refuses an --allow-unsafe id that names no rule', async () => {
    const set = await loadMigrationSet(await migrationDir({ '0001_a.sql': 'SELECT 1;' }));
    await expect(lintGate(set, { pendingVersions: ['1'], allowUnsafe: ['no-such-rule'] })).rejects.toThrow(InputError);
  });
});

describe('gateForApply', () => {
  it('refuses with a LintGateError listing file:line:col rule message, and returns the overridden rule ids otherwise', async () => {
    const dir = await migrationDir({ '0001_index.sql': '\nCREATE INDEX big_n5 ON big (name);' });
    const set = await loadMigrationSet(dir);
    const error = await gateForApply(set)(set.migrations, db.client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LintGateError);
    expect((error as Error).message).toContain(`${join(dir, '0001_index.sql')}:2:1 require-concurrent-index-creation CREATE INDEX big_n5`);
    expect((error as Error).message).toContain('--allow-unsafe require-concurrent-index-creation');
    expect(await gateForApply(set, ['require-concurrent-index-creation'])(set.migrations, db.client)).toEqual(['require-concurrent-index-creation']);
  });
});

describe('apply() with the lint gate (on by default)', () => {
  it('refuses to apply a set with an unacknowledged error, changing nothing, and applies it with --allow-unsafe, recording the override', async () => {
    const dir = await migrationDir({ '0001_index.sql': 'CREATE INDEX big_gate_idx ON big (note);' });
    const set = await loadMigrationSet(dir);
    const connector = urlConnector(db.url);

    await expect(apply({ connector, set })).rejects.toThrow(LintGateError);
    const before = await db.sql(`SELECT to_regclass('big_gate_idx') IS NULL AS absent`);
    expect(before.rows[0].absent).toBe(true);

    const { runId } = await apply({ connector, set, allowUnsafe: ['require-concurrent-index-creation'] });
    const after = await db.sql(`SELECT to_regclass('big_gate_idx') IS NOT NULL AS present`);
    expect(after.rows[0].present).toBe(true);
    const run = await db.sql(`SELECT options FROM airlock.runs WHERE run_id = $1`, [runId]);
    expect(run.rows[0].options.allowUnsafe).toEqual(['require-concurrent-index-creation']);
  });
});
