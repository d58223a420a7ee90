import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseStatements } from '../../lambdas/engine/sql/parse.ts';
import { describeEffect, isBinaryCoercible, type SchemaContext } from '../../lambdas/engine/sql/effects.ts';

beforeAll(() => loadParser());

function effect(sql: string, ctx?: SchemaContext) {
  return describeEffect(parseStatements(sql, 'x.sql')[0]!, ctx);
}

describe('describeEffect', () => {
  it.each([
    ['CREATE INDEX i ON t (a)', 'SHARE', 'build', 'transaction'],
    ['CREATE INDEX CONCURRENTLY i ON t (a)', 'SHARE UPDATE EXCLUSIVE', 'build', 'autocommit'],
    ['ALTER TABLE t ADD COLUMN c int DEFAULT 0', 'ACCESS EXCLUSIVE', 'catalog', 'transaction'],
    ['ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid()', 'ACCESS EXCLUSIVE', 'rewrite', 'transaction'],
    ['ALTER TABLE t ADD COLUMN c bigserial', 'ACCESS EXCLUSIVE', 'rewrite', 'transaction'],
    ['ALTER TABLE t ADD CONSTRAINT k CHECK (a > 0) NOT VALID', 'ACCESS EXCLUSIVE', 'catalog', 'transaction'],
    ['ALTER TABLE t ADD CONSTRAINT k CHECK (a > 0)', 'ACCESS EXCLUSIVE', 'scan', 'transaction'],
    ['ALTER TABLE t VALIDATE CONSTRAINT k', 'SHARE UPDATE EXCLUSIVE', 'scan', 'transaction'],
    ['ALTER TABLE t ALTER COLUMN a SET NOT NULL', 'ACCESS EXCLUSIVE', 'scan', 'transaction'],
    ['VACUUM (FULL, ANALYZE) t', 'ACCESS EXCLUSIVE', 'rewrite', 'autocommit'],
    ['LOCK TABLE t IN SHARE MODE', 'SHARE', 'none', 'transaction'],
  ])('%s takes %s and does %s work in a %s', (sql, lock, work, transaction) => {
    const e = effect(sql);
    expect(e.locks[0]?.lock).toBe(lock);
    expect(e.work).toBe(work);
    expect(e.transaction).toBe(transaction);
  });

  it('names the referenced table of a foreign key as locked too', () => {
    const e = effect('ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES public.users (id)');
    expect(e.locks.map((l) => l.table).sort()).toEqual(['orders', 'public.users']);
  });

  it('treats a type change as catalog-only when the old type is known to be binary-coercible', () => {
    const ctx: SchemaContext = { columnType: () => 'character varying(20)' };
    expect(effect('ALTER TABLE t ALTER COLUMN a TYPE text', ctx).work).toBe('catalog');
    expect(effect('ALTER TABLE t ALTER COLUMN a TYPE varchar(10)', ctx).work).toBe('rewrite');
    expect(effect('ALTER TABLE t ALTER COLUMN a TYPE text').work).toBe('rewrite');
  });

  it('judges a USING that only casts the column like a plain type change, and any other USING as a rewrite', () => {
    const ctx: SchemaContext = { columnType: () => 'character varying(20)' };
    expect(effect('ALTER TABLE t ALTER COLUMN a TYPE text USING a::text', ctx).work).toBe('catalog');
    expect(effect('ALTER TABLE t ALTER COLUMN a TYPE text USING lower(a)', ctx).work).toBe('rewrite');
  });

  it('builds nothing for CREATE INDEX ON ONLY a partitioned parent', () => {
    expect(effect('CREATE INDEX e_at ON ONLY events (at)').work).toBe('catalog');
  });

  it("locks the index's table for DROP INDEX when the schema knows it", () => {
    expect(effect('DROP INDEX big_idx', { indexTable: () => 'big' }).locks).toEqual([{ table: 'big', lock: 'ACCESS EXCLUSIVE' }]);
  });

  it('treats ALTER INDEX … ATTACH PARTITION as catalog only, and DETACH PARTITION as locking both tables', () => {
    expect(effect('ALTER INDEX parent_idx ATTACH PARTITION part_idx').work).toBe('catalog');
    expect(effect('ALTER TABLE events DETACH PARTITION events_2023').locks.map((l) => l.table).sort()).toEqual(['events', 'events_2023']);
  });

  it('scans the table for ADD COLUMN … REFERENCES, blocking writes on both tables', () => {
    const e = effect('ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id)');
    expect(e.work).toBe('scan');
    expect(e.locks).toEqual([
      { table: 'orders', lock: 'ACCESS EXCLUSIVE' },
      { table: 'users', lock: 'SHARE ROW EXCLUSIVE' },
    ]);
  });

  it('does no work on a table created earlier in the run', () => {
    expect(effect('CREATE INDEX i ON t (a)', { isNewTable: (t) => t === 't' }).work).toBe('none');
  });
});

describe('isBinaryCoercible', () => {
  it.each([
    ['character varying(20)', 'varchar(40)', true],
    ['varchar(40)', 'varchar(20)', false],
    ['numeric(10,2)', 'numeric(12,2)', true],
    ['numeric(10,2)', 'numeric(12,3)', false],
    ['integer', 'bigint', false],
    ['text', 'varchar(10)', false],
    ['text', 'varchar', true],
    ['timestamp(3) with time zone', 'timestamptz(6)', true],
    ['timestamp with time zone', 'timestamptz(3)', false],
    ['double precision', 'float8', true],
    ['cidr', 'inet', true],
  ])('%s → %s is %s', (from, to, ok) => {
    expect(isBinaryCoercible(from, to)).toBe(ok);
  });
});

describe('refusesTransaction', () => {
  it('knows PostgreSQL refuses REINDEX SCHEMA, SYSTEM and DATABASE in a transaction block, and allows REINDEX TABLE', async () => {
    const { refusesTransaction } = await import('../../lambdas/engine/sql/transaction-rules.ts');
    const stmt = (sql: string) => parseStatements(sql, 'x.sql')[0]!;
    expect(refusesTransaction(stmt('REINDEX SCHEMA app'))).toBeDefined();
    expect(refusesTransaction(stmt('REINDEX DATABASE app'))).toBeDefined();
    expect(refusesTransaction(stmt('REINDEX TABLE t'))).toBeUndefined();
  });

  it('takes VACUUM (FULL false) as a plain VACUUM', () => {
    expect(effect('VACUUM (FULL false, ANALYZE) t').work).toBe('scan');
    expect(effect('VACUUM (FULL true) t').work).toBe('rewrite');
  });
});

describe('REINDEX (CONCURRENTLY false)', () => {
  it('takes SHARE like a plain REINDEX, and SHARE UPDATE EXCLUSIVE when CONCURRENTLY is on', () => {
    expect(effect('REINDEX (CONCURRENTLY false) TABLE t').locks[0]?.lock).toBe('SHARE');
    expect(effect('REINDEX (CONCURRENTLY off, VERBOSE) INDEX i').locks[0]?.lock).toBe('SHARE');
    expect(effect('REINDEX (CONCURRENTLY) TABLE t').locks[0]?.lock).toBe('SHARE UPDATE EXCLUSIVE');
    expect(effect('REINDEX TABLE CONCURRENTLY t').locks[0]?.lock).toBe('SHARE UPDATE EXCLUSIVE');
  });

  it('runs in a transaction, as PostgreSQL allows, and REINDEX (CONCURRENTLY true) does not', async () => {
    const { refusesTransaction } = await import('../../lambdas/engine/sql/transaction-rules.ts');
    const stmt = (sql: string) => parseStatements(sql, 'x.sql')[0]!;
    expect(refusesTransaction(stmt('REINDEX (CONCURRENTLY false) TABLE t'))).toBeUndefined();
    expect(refusesTransaction(stmt('REINDEX (CONCURRENTLY true) TABLE t'))).toBe('REINDEX CONCURRENTLY');
  });

  it('raises require-concurrent-reindex, and REINDEX (CONCURRENTLY) does not', async () => {
    const { lintSql } = await import('../support/lint.ts');
    const ids = (sql: string) => lintSql(sql).map((f) => f.rule);
    expect(ids('REINDEX (CONCURRENTLY false) TABLE orders;')).toContain('require-concurrent-reindex');
    expect(ids('REINDEX (CONCURRENTLY) TABLE orders;')).not.toContain('require-concurrent-reindex');
  });
});

describe('describeEffect of ADD PRIMARY KEY USING INDEX', () => {
  const sql = 'ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_idx';
  const ctx = (notNull: boolean | undefined): SchemaContext => ({ indexColumns: () => ['id'], isNotNull: () => notNull, hasNotNullCheck: () => false });

  it('is a scan when a key column is known to be nullable', () => {
    expect(effect(sql, ctx(false)).parts[0]).toMatchObject({ work: 'scan', what: expect.stringContaining('sets id NOT NULL, scanning the whole table') });
  });

  it('is a catalog change when the key columns are NOT NULL, or not known', () => {
    expect(effect(sql, ctx(true)).parts[0]).toMatchObject({ work: 'catalog' });
    expect(effect(sql, ctx(undefined)).parts[0]).toMatchObject({ work: 'catalog' });
    expect(effect(sql).parts[0]).toMatchObject({ work: 'catalog' });
  });
});


describe('describeEffect of SET NOT NULL', () => {
  it('is a scan unless the column is NOT NULL already or a validated CHECK proves it', () => {
    const sql = 'ALTER TABLE t ALTER COLUMN a SET NOT NULL';
    expect(effect(sql).parts[0]).toMatchObject({ work: 'scan' });
    expect(effect(sql, { isNotNull: () => false }).parts[0]).toMatchObject({ work: 'scan' });
    expect(effect(sql, { isNotNull: () => true }).parts[0]).toMatchObject({ work: 'catalog', what: 'SET NOT NULL on a, which is NOT NULL already: no scan' });
    expect(effect(sql, { hasNotNullCheck: () => true }).parts[0]).toMatchObject({ work: 'catalog' });
  });
});

// Locks and scans measured on PostgreSQL 18.4 (pg_locks from a second session; DEBUG1 "verifying table" for scans).
describe('describeEffect of PostgreSQL 18 forms', () => {
  it.each([
    ['ALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a NOT VALID', 'ACCESS EXCLUSIVE', 'catalog'],
    ['ALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a', 'ACCESS EXCLUSIVE', 'scan'],
    ['ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2) VIRTUAL', 'ACCESS EXCLUSIVE', 'catalog'],
    ['ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2)', 'ACCESS EXCLUSIVE', 'catalog'],
    ['ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2) STORED', 'ACCESS EXCLUSIVE', 'rewrite'],
    ['ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED', 'ACCESS EXCLUSIVE', 'catalog'],
    ['ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) ENFORCED', 'ACCESS EXCLUSIVE', 'scan'],
    ['ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u_id) REFERENCES u NOT ENFORCED', 'SHARE ROW EXCLUSIVE', 'catalog'],
    ['ALTER TABLE t ADD COLUMN v int REFERENCES u NOT ENFORCED', 'ACCESS EXCLUSIVE', 'catalog'],
    ['ALTER TABLE t ADD COLUMN v int CHECK (v > 0) NOT ENFORCED', 'ACCESS EXCLUSIVE', 'catalog'],
    ['ALTER TABLE t ALTER CONSTRAINT fk NOT ENFORCED', 'ACCESS EXCLUSIVE', 'catalog'],
    ['ALTER TABLE t ALTER CONSTRAINT fk ENFORCED', 'ACCESS EXCLUSIVE', 'scan'],
    ['ALTER TABLE t VALIDATE CONSTRAINT t_a_nn', 'SHARE UPDATE EXCLUSIVE', 'scan'],
  ])('%s takes %s and does %s work', (sql, lock, work) => {
    const e = effect(sql);
    expect(e.locks[0]?.lock).toBe(lock);
    expect(e.work).toBe(work);
  });

  it('skips the scan of ADD CONSTRAINT … NOT NULL when the column is NOT NULL already or a validated CHECK proves it', () => {
    const sql = 'ALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a';
    expect(effect(sql, { isNotNull: () => true }).work).toBe('catalog');
    expect(effect(sql, { hasNotNullCheck: () => true }).work).toBe('catalog');
    expect(effect(sql, { isNotNull: () => false }).work).toBe('scan');
  });

  it('locks the referenced table too when a foreign key changes enforceability', () => {
    expect(effect('ALTER TABLE t ALTER CONSTRAINT fk ENFORCED').locks.map((l) => l.lock)).toEqual(['ACCESS EXCLUSIVE', 'ACCESS EXCLUSIVE']);
    expect(effect('ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u_id) REFERENCES u NOT ENFORCED').locks.map((l) => l.table).sort()).toEqual(['t', 'u']);
  });
});
