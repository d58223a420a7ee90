import { beforeEach, describe, expect, it } from 'vitest';
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
  const columns = [{ name: 'id', typeId: 20 }, { name: 'Name', typeId: 25 }, { name: 'total', typeId: 1700 }];
  it('hashes exact types as stored and others as text on PostgreSQL 14+', () => {
    expect(rowHashExpression(170000, 'r', columns)).toBe('hash_record_extended(ROW(r."id", r."Name"::text COLLATE "C", r."total"::text COLLATE "C"), 0)');
  });
  it('hashes the row text on PostgreSQL 13, which has no hash_record_extended', () => {
    expect(rowHashExpression(130012, 'r', columns)).toBe('hashtextextended(r::text, 0)');
  });
});
