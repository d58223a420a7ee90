import { beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../lambdas/errors.ts';
import { loadMigrationSet, type MigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { runVerification } from '../../lambdas/engine/verify/verify.ts';
import { urlConnector } from '../../lambdas/local/url-connector.ts';
import { useTestDatabase } from '../support/db.ts';
import { applyBySql } from '../support/engine.ts';
import { migrationDir } from '../support/migration-dir.ts';

const db = useTestDatabase();

const files = {
  '0001_orders.up.sql': 'CREATE TABLE orders (id int PRIMARY KEY, customer int, total numeric, at timestamptz);\nCREATE INDEX orders_customer_idx ON orders (customer);',
  '0002_indexes.up.sql': [
    'CREATE INDEX CONCURRENTLY orders_at_idx ON orders (at);',
    'CREATE INDEX ON orders (total, lower(customer::text));',
    'CREATE INDEX orders_tmp ON orders (id, at);',
    'DROP INDEX orders_tmp;',
  ].join('\n'),
  '0002_indexes.verify.sql': '-- check: there are orders\n-- expect: rows\nSELECT * FROM orders;\n-- check: totals are positive\nSELECT bool_and(total > 0) FROM orders;',
  '0003_later.up.sql': 'ALTER TABLE orders ADD COLUMN note text;',
  '0003_later.verify.sql': '-- check: never runs while pending\nSELECT false;',
};

async function verify(set: MigrationSet, options: { runId?: string } = {}) {
  return runVerification({ connector: urlConnector(db.url), set, ...options });
}

const byName = (report: Awaited<ReturnType<typeof verify>>, name: string) => report.results.find((r) => r.name === name)!;

describe('built-in checks', () => {
  let set: MigrationSet;
  beforeEach(async () => {
    await db.reset();
    set = await loadMigrationSet(await migrationDir(files));
    await applyBySql(db.client, set, ['1'], 'run-a');
    await applyBySql(db.client, set, ['2'], 'run-b');
    await db.sql(`INSERT INTO orders SELECT g, g % 7, g, now() FROM generate_series(1, 50) g`);
  });

  it('pass after a clean apply, running the verify files of applied migrations only', async () => {
    const report = await verify(set);
    expect(report.results.map((r) => [r.name, r.status])).toEqual([
      ['no-invalid-indexes', 'pass'],
      ['created-indexes-valid', 'pass'],
      ['not-valid-constraints', 'pass'],
      ['ledger-matches-files', 'pass'],
      ['there are orders', 'pass'],
      ['totals are positive', 'pass'],
    ]);
    expect(report).toMatchObject({ passed: true, runId: 'run-b', counts: { pass: 6, warn: 0, fail: 0 } });
    expect(byName(report, 'created-indexes-valid').message).toBe('2 indexes created by run run-b, all valid');
    expect(byName(report, 'ledger-matches-files').message).toBe('2 applied, 1 pending: 3 (later)');
  });

  it('fail on an INVALID index left by a failed concurrent build', async () => {
    await db.sql(`INSERT INTO orders VALUES (1000, 1, 1, now()), (1001, 1, 1, now())`);
    await expect(db.sql(`CREATE UNIQUE INDEX CONCURRENTLY orders_customer_uq ON orders (customer)`)).rejects.toThrow(/could not create unique index/);
    const report = await verify(set);
    const check = byName(report, 'no-invalid-indexes');
    expect(check).toMatchObject({ status: 'fail', builtIn: true, source: 'built-in' });
    expect(check.message).toMatch(/^1 INVALID index: public\.orders_customer_uq on orders; an interrupted CREATE INDEX CONCURRENTLY/);
    expect(report.passed).toBe(false);
  });

  it('fail when an index the run created is missing, naming the file and line that created it', async () => {
    await db.sql(`DROP INDEX orders_at_idx`);
    const check = byName(await verify(set), 'created-indexes-valid');
    expect(check.status).toBe('fail');
    expect(check.message).toMatch(/0002_indexes\.up\.sql:1: index orders_at_idx does not exist on orders$/);
  });

  it('find an unnamed index by its definition, and fail when no index has it', async () => {
    const { rows } = await db.sql(`SELECT indexname FROM pg_indexes WHERE tablename = 'orders' AND indexdef LIKE '%lower%'`);
    expect(rows).toHaveLength(1);
    await db.sql(`DROP INDEX ${rows[0].indexname}`);
    await db.sql(`CREATE INDEX other_shape ON orders (total)`);
    const check = byName(await verify(set), 'created-indexes-valid');
    expect(check.status).toBe('fail');
    expect(check.message).toMatch(/0002_indexes\.up\.sql:2: index \(unnamed\) on orders \(total, <expression>\) no index with this definition exists$/);
  });

  it('check only the indexes of the run asked for', async () => {
    await db.sql(`DROP INDEX orders_customer_idx`);
    expect(byName(await verify(set), 'created-indexes-valid').status).toBe('pass');
    expect(byName(await verify(set, { runId: 'run-a' }), 'created-indexes-valid').message).toMatch(/0001_orders\.up\.sql:2: index orders_customer_idx does not exist/);
  });

  it('report a constraint added NOT VALID as a warning until it is validated', async () => {
    await db.sql(`ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID`);
    const warned = await verify(set);
    expect(byName(warned, 'not-valid-constraints')).toMatchObject({ status: 'warn' });
    expect(byName(warned, 'not-valid-constraints').message).toMatch(/public\.orders\.orders_total_positive \(check\).*VALIDATE CONSTRAINT orders_total_positive/);
    expect(warned.passed).toBe(true);
    await db.sql(`ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive`);
    expect(byName(await verify(set), 'not-valid-constraints').status).toBe('pass');
  });

  it('fail when an applied file changed or is missing', async () => {
    const edited = await loadMigrationSet(await migrationDir({ ...files, '0001_orders.up.sql': `${files['0001_orders.up.sql']}\n-- edited` }));
    expect(byName(await verify(edited), 'ledger-matches-files').message).toMatch(/^applied file changed since: .*0001_orders\.up\.sql \(1\); restore it/);
    const { '0001_orders.up.sql': _gone, ...rest } = files;
    const missing = await loadMigrationSet(await migrationDir(rest));
    expect(byName(await verify(missing), 'ledger-matches-files')).toMatchObject({ status: 'fail', message: expect.stringMatching(/applied but missing from .*: 1 \(orders\)/) });
  });

  it('fail verification when a verify file check fails, with its file and line', async () => {
    await db.sql(`UPDATE orders SET total = -1 WHERE id = 3`);
    const report = await verify(set);
    expect(byName(report, 'totals are positive')).toMatchObject({ status: 'fail', source: expect.stringMatching(/0002_indexes\.verify\.sql:4$/), version: '2' });
    expect(report.passed).toBe(false);
  });

  it('refuse to run anything when a verify file of an applied migration is malformed', async () => {
    const bad = await loadMigrationSet(await migrationDir({ ...files, '0002_indexes.verify.sql': '-- check: x\n-- expect: sometimes\nSELECT 1;' }));
    const error = await verify(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems[0]).toMatchObject({ line: 2, message: expect.stringMatching(/unknown expectation 'sometimes'/) });
  });
});
