import { beforeEach, describe, expect, inject, it } from 'vitest';
import { ensureLedger, recordApplied } from '../../lambdas/engine/ledger.ts';
import { compareFingerprints, fingerprintJson, rowHashExpression, takeFingerprint } from '../../lambdas/engine/fingerprint.ts';
import { useTestDatabase } from '../support/db.ts';

const db = useTestDatabase();

const SCHEMA = `
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE DOMAIN positive AS numeric CHECK (VALUE > 0);
  CREATE SCHEMA app;
  CREATE TABLE app.customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL COLLATE "C", mood mood DEFAULT 'ok', born date);
  COMMENT ON TABLE app.customers IS 'people who pay';
  CREATE TABLE orders (id serial PRIMARY KEY, customer bigint REFERENCES app.customers, total positive, at timestamptz DEFAULT now(), tags text[], data jsonb, ratio float8, span interval);
  CREATE INDEX orders_at_idx ON orders (at DESC) WHERE total > 10;
  CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at);
  CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
  CREATE MATERIALIZED VIEW order_count AS SELECT count(*) AS n FROM orders;
  CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := now(); RETURN NEW; END $$;
  CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
  ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_orders ON orders USING (customer > 0);
  CREATE STATISTICS orders_stats ON customer, total FROM orders;
  INSERT INTO app.customers (name, mood, born) VALUES ('Ada', 'happy', '1815-12-10'), ('Linus', 'ok', NULL);
  INSERT INTO orders (customer, total, at, tags, data, ratio, span)
    SELECT 1 + g % 2, g * 1.5, timestamptz '2024-03-01 12:00+02' + g * interval '1 hour', ARRAY['a', g::text], jsonb_build_object('g', g), g / 3.0, g * interval '1 day'
      FROM generate_series(1, 200) g;
  INSERT INTO events VALUES (1, '2024-05-01');
  REFRESH MATERIALIZED VIEW order_count;
`;

async function fingerprint(content = false) {
  return takeFingerprint(db.client, { content });
}

describe('takeFingerprint', () => {
  beforeEach(async () => {
    await db.reset();
    await db.sql(SCHEMA);
  });

  it('prints byte-identical output for an unchanged database, whatever the session settings', async () => {
    const first = fingerprintJson(await fingerprint(true));
    const other = await db.connect();
    await other.query(`SET TimeZone = 'America/Lima'; SET DateStyle = 'German'; SET search_path = app, public; SET extra_float_digits = 3; SET IntervalStyle = 'sql_standard'`);
    const second = fingerprintJson(await takeFingerprint(other, { content: true }));
    expect(second).toBe(first);
    const parsed = JSON.parse(first);
    expect(Object.keys(parsed)).toEqual(['format', 'digest', 'schemaDigest', 'rowsDigest', 'content', 'objects', 'tables']);
    expect(parsed.tables).toMatchObject({ 'app.customers': { rows: 2 }, 'public.orders': { rows: 200 }, 'public.events_2024': { rows: 1 }, 'public.order_count': { rows: 1 } });
    expect(Object.keys(parsed.objects)).toEqual(expect.arrayContaining([
      'index public.orders_at_idx', 'constraint public.orders.orders_customer_fkey', 'type public.mood', 'type public.positive', 'relation public.big_orders',
      'trigger public.orders.orders_touch', 'function public.touch()', 'policy public.orders.own_orders', 'statistics public.orders_stats', 'schema app', 'sequence public.orders_id_seq',
    ]));
  });

  it('comes back equal after a change and its reversal, as a rollback by down scripts must', async () => {
    const before = await fingerprint(true);
    await db.sql(`ALTER TABLE orders ADD COLUMN note text; CREATE INDEX orders_customer_idx ON orders (customer); ALTER TABLE orders ADD CONSTRAINT total_small CHECK (total < 1000) NOT VALID`);
    const during = await fingerprint(true);
    expect(compareFingerprints(before, during).map((d) => `${d.change} ${d.object}`)).toEqual([
      'added constraint public.orders.total_small',
      'changed content public.orders',
      'added index public.orders_customer_idx',
      'changed relation public.orders',
    ]);
    await db.sql(`ALTER TABLE orders DROP CONSTRAINT total_small; DROP INDEX orders_customer_idx; ALTER TABLE orders DROP COLUMN note`);
    const after = await fingerprint(true);
    expect(compareFingerprints(before, after)).toEqual([]);
    expect(after.digest).toBe(before.digest);
  });

  it('names the index whose definition changed', async () => {
    const before = await fingerprint();
    await db.sql(`DROP INDEX orders_at_idx; CREATE INDEX orders_at_idx ON orders (at)`);
    expect(compareFingerprints(before, await fingerprint())).toEqual([{ object: 'index public.orders_at_idx', change: 'changed' }]);
  });

  it('sees a changed value only with content hashes, and a changed row count either way', async () => {
    const before = await fingerprint(true);
    await db.sql(`UPDATE app.customers SET name = 'Grace' WHERE name = 'Linus'`);
    const after = await fingerprint(true);
    expect(compareFingerprints(before, after)).toEqual([{ object: 'content app.customers', change: 'changed', before: before.tables['app.customers']!.content, after: after.tables['app.customers']!.content }]);
    expect(compareFingerprints(await fingerprint(false), after)).toEqual([]);
    await db.sql(`DELETE FROM events`);
    expect(compareFingerprints(after, await fingerprint(false))).toEqual([{ object: 'rows public.events_2024', change: 'changed', before: '1 rows', after: '0 rows' }]);
  });

  it('keeps values that compare equal but print differently apart (1.5 vs 1.50, 1 day vs 24 hours)', async () => {
    const before = await fingerprint(true);
    await db.sql(`UPDATE orders SET total = total::numeric(10,2) WHERE id = 1`);
    const scaled = await fingerprint(true);
    expect(compareFingerprints(before, scaled).map((d) => d.object)).toEqual(['content public.orders']);
    await db.sql(`UPDATE orders SET total = 1.5 WHERE id = 1; UPDATE orders SET span = interval '24 hours' WHERE id = 1`);
    expect(compareFingerprints(before, await fingerprint(true)).map((d) => d.object)).toEqual(['content public.orders']);
  });

  it('does not depend on row order or physical placement', async () => {
    const before = await fingerprint(true);
    await db.sql(`CREATE TABLE orders_copy (LIKE orders); INSERT INTO orders_copy SELECT * FROM orders ORDER BY random()`);
    await db.sql(`ALTER TABLE orders DISABLE TRIGGER orders_touch; UPDATE orders SET id = id WHERE id % 2 = 0`);
    await db.sql(`VACUUM FULL orders`);
    const after = await fingerprint(true);
    expect(after.tables['public.orders']).toEqual(before.tables['public.orders']);
    expect(after.tables['public.orders_copy']).toEqual(before.tables['public.orders']);
  });

  it('ignores Airlock\'s own ledger', async () => {
    const before = await fingerprint(true);
    await ensureLedger(db.client);
    await recordApplied(db.client, { version: '1', name: 'x', checksum: 'c', durationMs: 1, runId: 'r' });
    expect((await fingerprint(true)).digest).toBe(before.digest);
  });
});

describe('rowHashExpression', () => {
  const columns = [{ name: 'id', typeId: 20 }, { name: 'Name', typeId: 25 }, { name: 'data', typeId: 17 }];

  it('hashes each column with its type\'s own hash, seeded by position, NULL as a constant of its own', () => {
    expect(rowHashExpression(170000, 'r', columns)).toBe(
      'coalesce(hashint8extended(r."id", 1) # hashint4extended((r."id" >> 32)::int, -1), -1) # coalesce(hashtextextended(r."Name" COLLATE "C", 2), -2) # coalesce(hash_record_extended(ROW(r."data"), 3), -3)',
    );
  });

  it('hashes bytea as its text on PostgreSQL 13, which has no hash_record_extended', () => {
    expect(rowHashExpression(130012, 'r', columns)).toContain('coalesce(hashtextextended(r."data"::text COLLATE "C", 3), -3)');
  });

  it('quotes column names, even ones that look like its placeholders', () => {
    expect(rowHashExpression(170000, 'r', [{ name: '$s"x', typeId: 23 }])).toBe('coalesce(hashint4extended(r."$s""x", 1), -1)');
  });

  // Values that are different as stored, though several compare equal or hash equal with the type's own hash.
  const DISTINCT: Record<string, string[]> = {
    boolean: ['true', 'false'],
    smallint: ['0', '1', '-1'],
    integer: ['0', '1', '-1'],
    bigint: ['0', '1', '-1', '4294967296'],
    oid: ['0', '1'],
    text: [`''`, `'a'`, `'A'`, `'a '`],
    'varchar(10)': [`''`, `'a'`, `'a '`],
    name: [`'a'`, `'b'`],
    'char(3)': [`'a'`, `'b'`],
    bpchar: [`'a'`, `'a '`, `'a  '`],
    bytea: [`'\\x'`, `'\\x00'`, `'\\x0000'`],
    uuid: [`'00000000-0000-0000-0000-000000000000'`, `'00000000-0000-0000-0000-000000000001'`],
    date: [`'2000-01-01'`, `'1999-12-31'`, `'infinity'`, `'-infinity'`, `'5874897-12-31'`, `'4713-01-01 BC'`],
    time: [`'00:00'`, `'00:00:00.000001'`],
    timestamp: [`'2000-01-01'`, `'2000-01-01 00:00:00.000001'`, `'infinity'`, `'-infinity'`],
    timestamptz: [`'2000-01-01 00:00+00'`, `'2000-01-01 00:00+01'`, `'infinity'`, `'-infinity'`],
    numeric: ['0', '0.0', '0.00', '5', '-5', '5.0', '-5.0', '50', '0.5', `'NaN'`, `'Infinity'`, `'-Infinity'`],
    'double precision': ['0', `'-0'`, '1', `'NaN'`, `'Infinity'`],
    interval: [`'1 day'`, `'24 hours'`],
    jsonb: [`'1.0'`, `'1.00'`, `'{"a":1}'`],
    'text[]': [`'{a}'`, `'{a,NULL}'`],
  };

  for (const [type, values] of Object.entries(DISTINCT)) {
    it(`gives every distinct ${type} value, and NULL, a hash of its own`, async () => {
      const version = inject('serverVersionNum');
      // numeric has ±Infinity from PostgreSQL 14 on.
      const usable = type === 'numeric' && version < 140000 ? values.filter((v) => !v.includes('Infinity')) : values;
      const table = `h_${type.replace(/\W/g, '_')}`;
      await db.sql(`CREATE TABLE ${table} (v ${type})`);
      await db.sql(`INSERT INTO ${table} VALUES ${[...usable, 'NULL'].map((v) => `(${v})`).join(', ')}`);
      const { rows } = await db.sql(`SELECT v::text AS v, (${rowHashExpression(version, 't', await columnsOf(table))})::text AS h FROM ${table} t`);
      expect(new Set(rows.map((r) => r.h)).size, JSON.stringify(rows)).toBe(usable.length + 1);
    });
  }

  it('tells a value apart from the same value in another column', async () => {
    await db.sql(`CREATE TABLE swapped (a int, b int, c text, d text); INSERT INTO swapped VALUES (1, 2, 'x', 'y'), (2, 1, 'y', 'x'), (NULL, 1, NULL, 'x'), (1, NULL, 'x', NULL)`);
    const { rows } = await db.sql(`SELECT (${rowHashExpression(inject('serverVersionNum'), 't', await columnsOf('swapped'))})::text AS h FROM swapped t`);
    expect(new Set(rows.map((r) => r.h)).size).toBe(4);
  });

  it('hashes the same instant alike whatever time zone it was written in', async () => {
    await db.sql(`CREATE TABLE instants (v timestamptz); INSERT INTO instants VALUES ('2000-01-01 01:00+01'), ('2000-01-01 00:00+00')`);
    const { rows } = await db.sql(`SELECT (${rowHashExpression(inject('serverVersionNum'), 't', await columnsOf('instants'))})::text AS h FROM instants t`);
    expect(rows[0]!.h).toBe(rows[1]!.h);
  });

  async function columnsOf(table: string): Promise<Array<{ name: string; typeId: number }>> {
    const { rows } = await db.sql(`SELECT attname AS name, atttypid::int AS "typeId" FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [table]);
    return rows;
  }
});
