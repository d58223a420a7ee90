import type pg from 'pg';
import { emptyTable, type DatabaseSchema, type TableState } from './schema.ts';

/**
 * Reads what the linter needs to know of a live database: column types, validated NOT NULL checks,
 * partitioned tables, which table each index belongs to, and table sizes. Only SELECTs on the
 * catalog; it never changes the database.
 */
export async function readDatabaseSchema(client: pg.Client): Promise<DatabaseSchema> {
  const hidden = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'airlock') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
  const tables = await client.query<{ schema: string; name: string; kind: string; rows: number; bytes: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
            CASE WHEN c.relkind = 'p'
                 THEN (SELECT coalesce(sum(greatest(p.reltuples, 0)), -1) FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf)
                 ELSE c.reltuples END::float8 AS rows,
            CASE WHEN c.relkind = 'p'
                 THEN (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t)
                 ELSE pg_total_relation_size(c.oid) END AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm', 'f') AND ${hidden}`,
  );
  const columns = await client.query<{ schema: string; name: string; column: string; type: string; not_null: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS name, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
            -- From 18, a NOT NULL constraint added NOT VALID sets attnotnull too, but proves nothing yet.
            a.attnotnull AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = a.attrelid AND k.contype = 'n' AND NOT k.convalidated AND a.attnum = ANY (k.conkey)) AS not_null
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm', 'f') AND ${hidden}`,
  );
  const checks = await client.query<{ schema: string; name: string; constraint: string; validated: boolean; def: string; column: string | null; not_null: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS name, k.conname AS constraint, k.convalidated AS validated, k.contype = 'n' AS not_null,
            pg_get_constraintdef(k.oid) AS def,
            (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = k.conkey[1]) AS column
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      -- A NOT NULL constraint added NOT VALID (18+), so that a later VALIDATE makes its column NOT NULL.
      WHERE (k.contype = 'c' OR (k.contype = 'n' AND NOT k.convalidated)) AND ${hidden}`,
  );
  const indexes = await client.query<{ schema: string; index: string; table_schema: string; table: string; columns: string[] | null }>(
    `SELECT n.nspname AS schema, i.relname AS index, tn.nspname AS table_schema, t.relname AS table,
            CASE WHEN 0 <> ALL ((x.indkey::int2[])[0:x.indnkeyatts - 1]) THEN
              ARRAY(SELECT a.attname::text FROM unnest((x.indkey::int2[])[0:x.indnkeyatts - 1]) WITH ORDINALITY k(attnum, pos)
                      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.pos) END AS columns
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
       JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      WHERE ${hidden}`,
  );
  const schemas = await client.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace n WHERE ${hidden}`);
  // One after another: pg 9 will refuse a query on a client that is still running one.

  const byKey = new Map<string, Omit<TableState, 'isNew'>>();
  for (const t of tables.rows) {
    byKey.set(qualified(t.schema, t.name), {
      ...emptyTable(t.kind === 'p'),
      size: { bytes: Number(t.bytes), ...(t.rows >= 0 && { rows: Math.round(t.rows) }) },
    });
  }
  for (const c of columns.rows) {
    const table = byKey.get(qualified(c.schema, c.name));
    table?.columns.set(c.column, c.type);
    if (c.not_null) table?.notNull.add(c.column);
  }
  for (const k of checks.rows) {
    const column = k.column !== null && (k.not_null || isNotNullCheck(k.def, k.column)) ? k.column : undefined;
    byKey.get(qualified(k.schema, k.name))?.checks.set(k.constraint, { ...(column !== undefined && { column }), known: true, validated: k.validated, ...(k.not_null && { notNull: true }) });
  }
  return {
    tables: byKey,
    indexes: new Map(indexes.rows.map((i) => [qualified(i.schema, i.index), qualified(i.table_schema, i.table)])),
    indexColumns: new Map(indexes.rows.flatMap((i) => (i.columns ? [[qualified(i.schema, i.index), i.columns] as const] : []))),
    schemas: new Set(schemas.rows.map((s) => s.name)),
  };
}

function qualified(schema: string, name: string): string {
  return schema === 'public' ? name : `${schema}.${name}`;
}

/** `CHECK ((phone IS NOT NULL))` as pg_get_constraintdef prints it, quoted or not, NOT VALID or not. */
function isNotNullCheck(def: string, column: string): boolean {
  const body = def.replace(/\s+NOT VALID$/, '');
  return body === `CHECK ((${column} IS NOT NULL))` || body === `CHECK (("${column.replace(/"/g, '""')}" IS NOT NULL))`;
}
