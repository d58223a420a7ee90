import { beforeEach, describe, expect, inject, it } from 'vitest';
import { plan } from '../../lambdas/engine/apply.ts';
import { InputError } from '../../lambdas/errors.ts';
import { ledgerExists as ledgerIn } from '../../lambdas/engine/ledger.ts';
import { loadMigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { runPreflight } from '../../lambdas/engine/preflight/preflight.ts';
import { urlConnector } from '../../lambdas/local/url-connector.ts';
import { useTestDatabase } from '../support/db.ts';
import { applyDir, downDir } from '../support/engine.ts';
import { migrationDir } from '../support/migration-dir.ts';

// Each lane (pg13, pg17, pg18; see vitest.config.ts) runs the branch its server takes.
const versionNum = inject('serverVersionNum');
const major = Math.floor(versionNum / 10000);
const db = useTestDatabase();
beforeEach(async () => {
  await db.reset();
  await db.sql(`CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
                CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
                CREATE TABLE tags (id int PRIMARY KEY, name text)`);
});

const detach = { '0001_detach.sql': '-- airlock:no-transaction\nALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;' };
const merge = { '0001_merge.sql': "MERGE INTO tags t USING (VALUES (1, 'new')) v(id, name) ON t.id = v.id\n  WHEN NOT MATCHED THEN INSERT VALUES (v.id, v.name);" };

async function attached(): Promise<boolean> {
  return (await db.sql(`SELECT relispartition FROM pg_class WHERE oid = 'events_2020'::regclass`)).rows[0].relispartition;
}
const ledgerExists = (): Promise<boolean> => ledgerIn(db.client);
async function refusal(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe(`on PostgreSQL ${major} (server_version_num ${versionNum})`, () => {
  it.runIf(versionNum < 140000)('refuses DETACH PARTITION … CONCURRENTLY (14+) before anything runs, naming file and line', async () => {
    const error = await refusal(applyDir(db.url, await migrationDir(detach)));
    expect(error.message).toMatch(/\/0001_detach\.sql:2:1: DETACH PARTITION CONCURRENTLY needs PostgreSQL 14\+, and this server is 13\.\d+; use the non-concurrent form/);
    expect(await attached()).toBe(true);
    expect(await ledgerExists()).toBe(false);
  });

  it.runIf(versionNum >= 140000)('applies DETACH PARTITION … CONCURRENTLY (14+) outside a transaction', async () => {
    const result = await applyDir(db.url, await migrationDir(detach));
    expect(result.migrations.map((m) => m.version)).toEqual(['1']);
    expect(await attached()).toBe(false);
  });

  it.runIf(versionNum < 140000)('refuses a down script with DETACH PARTITION … CONCURRENTLY before reversing anything', async () => {
    const dir = await migrationDir({ '0001_tag.up.sql': 'CREATE TABLE t (id int);', '0001_tag.down.sql': `${detach['0001_detach.sql']}\nDROP TABLE t;` });
    await applyDir(db.url, dir);
    const error = await refusal(downDir(db.url, dir, { to: '0' }));
    expect(error.message).toMatch(/\/0001_tag\.down\.sql:2:1: DETACH PARTITION CONCURRENTLY needs PostgreSQL 14\+/);
    expect(await attached()).toBe(true);
    expect((await db.sql(`SELECT version FROM airlock.migrations`)).rows).toEqual([{ version: '1' }]);
  });

  it.runIf(versionNum >= 140000)('runs a down script with DETACH PARTITION … CONCURRENTLY', async () => {
    const dir = await migrationDir({ '0001_tag.up.sql': 'CREATE TABLE t (id int);', '0001_tag.down.sql': `${detach['0001_detach.sql']}\nDROP TABLE t;` });
    await applyDir(db.url, dir);
    await downDir(db.url, dir, { to: '0' });
    expect(await attached()).toBe(false);
    expect((await db.sql(`SELECT version FROM airlock.migrations`)).rows).toEqual([]);
  });

  it.runIf(versionNum < 150000)('refuses MERGE (15+) before anything runs', async () => {
    const error = await refusal(applyDir(db.url, await migrationDir(merge)));
    expect(error.message).toMatch(/\/0001_merge\.sql:1:1: MERGE needs PostgreSQL 15\+, and this server is 1[34]\.\d+; use INSERT … ON CONFLICT/);
    expect(await ledgerExists()).toBe(false);
  });

  it.runIf(versionNum >= 150000)('applies MERGE (15+)', async () => {
    await applyDir(db.url, await migrationDir(merge));
    expect((await db.sql(`SELECT id, name FROM tags`)).rows).toEqual([{ id: 1, name: 'new' }]);
  });

  it.runIf(versionNum < 140000)('dry run: notes that DETACH … CONCURRENTLY is missing, and refuses a plan that uses it', async () => {
    const result = await plan({ connector: urlConnector(db.url), set: await loadMigrationSet(await migrationDir({ '0001_t.sql': 'CREATE TABLE t (id int);' })) });
    expect(result.serverNotes).toContain('DETACH PARTITION CONCURRENTLY is not available before 14');
    const error = await refusal(plan({ connector: urlConnector(db.url), set: await loadMigrationSet(await migrationDir(detach)) }));
    expect(error.message).toContain('DETACH PARTITION CONCURRENTLY needs PostgreSQL 14+');
  });

  it.runIf(versionNum >= 140000)('dry run: notes that DETACH … CONCURRENTLY is available, and plans it', async () => {
    const result = await plan({ connector: urlConnector(db.url), set: await loadMigrationSet(await migrationDir(detach)) });
    expect(result.serverNotes).toContain('DETACH PARTITION CONCURRENTLY is available (14+)');
    expect(result.migrations.map((m) => [m.version, m.mode])).toEqual([['1', 'autocommit']]);
  });

  it.runIf(versionNum < 140000)('preflight connectivity fails on a pending statement the server cannot run', async () => {
    const report = await runPreflight({ connector: urlConnector(db.url), set: await loadMigrationSet(await migrationDir(detach)), only: ['connectivity'] });
    expect(report.results[0]).toMatchObject({ status: 'fail', message: expect.stringMatching(/which cannot run a pending statement: \/\S*\/0001_detach\.sql:2: DETACH PARTITION CONCURRENTLY needs PostgreSQL 14\+/) });
  });

  it.runIf(versionNum >= 140000)('preflight connectivity passes the same pending statement', async () => {
    const report = await runPreflight({ connector: urlConnector(db.url), set: await loadMigrationSet(await migrationDir(detach)), only: ['connectivity'] });
    expect(report.results[0]).toMatchObject({ status: 'pass', message: expect.stringMatching(new RegExp(`^connected to PostgreSQL ${major}\\.`)) });
  });

  describe('PostgreSQL 18 syntax', () => {
    const pg18 = {
      '0001_not_null.sql': 'ALTER TABLE tags ADD CONSTRAINT tags_name_not_null NOT NULL name NOT VALID;',
      '0002_virtual.sql': 'ALTER TABLE tags ADD COLUMN shout text GENERATED ALWAYS AS (upper(name)) VIRTUAL;',
      '0003_not_enforced.sql': 'ALTER TABLE tags ADD CONSTRAINT tags_id_positive CHECK (id > 0) NOT ENFORCED;',
    };

    it.runIf(versionNum < 180000)('refuses NOT NULL … NOT VALID, VIRTUAL and NOT ENFORCED (18+) before anything runs, naming each file and line', async () => {
      const error = await refusal(applyDir(db.url, await migrationDir(pg18)));
      expect(error.problems.map((p) => [p.file.replace(/^.*\//, ''), p.line])).toEqual([['0001_not_null.sql', 1], ['0002_virtual.sql', 1], ['0003_not_enforced.sql', 1]]);
      expect(error.message).toMatch(/ADD CONSTRAINT … NOT NULL name NOT VALID needs PostgreSQL 18\+, and this server is 1[37]\.\d+; use ALTER COLUMN … SET NOT NULL/);
      expect(error.message).toMatch(/the VIRTUAL generated column shout .* needs PostgreSQL 18\+/);
      expect(error.message).toMatch(/a NOT ENFORCED constraint needs PostgreSQL 18\+/);
      expect(await ledgerExists()).toBe(false);
      expect((await db.sql(`SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'tags'::regclass AND attname = 'shout'`)).rows[0].n).toBe(0);
    });

    it.runIf(versionNum >= 180000)('applies NOT NULL … NOT VALID, then VALIDATE, VIRTUAL and NOT ENFORCED (18+)', async () => {
      const dir = await migrationDir({ ...pg18, '0004_validate.sql': '-- airlock:no-transaction\nALTER TABLE tags VALIDATE CONSTRAINT tags_name_not_null;' });
      const result = await applyDir(db.url, dir);
      expect(result.migrations.map((m) => m.version)).toEqual(['1', '2', '3', '4']);
      const constraints = await db.sql(`SELECT conname, convalidated, conenforced FROM pg_constraint WHERE conrelid = 'tags'::regclass AND conname IN ('tags_id_positive', 'tags_name_not_null') ORDER BY 1`);
      expect(constraints.rows).toEqual([
        { conname: 'tags_id_positive', convalidated: false, conenforced: false },
        { conname: 'tags_name_not_null', convalidated: true, conenforced: true },
      ]);
      expect((await db.sql(`SELECT attgenerated FROM pg_attribute WHERE attrelid = 'tags'::regclass AND attname = 'shout'`)).rows).toEqual([{ attgenerated: 'v' }]);
    });
  });
});
