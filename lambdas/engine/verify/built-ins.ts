import type pg from 'pg';
import { formatPosition } from '../../errors.ts';
import type { AppliedMigration } from '../ledger.ts';
import { LEDGER_SCHEMA } from '../ledger.ts';
import { compareLedger, listVersions } from '../migrations/ledger-drift.ts';
import type { MigrationSet } from '../migrations/load.ts';
import type { CheckResult, CheckStatus } from './run-check.ts';

/**
 * Airlock's own checks after every apply: no INVALID index anywhere, every index the run created
 * exists and is valid, constraints added NOT VALID are reported until validated, and the ledger
 * matches the files.
 */

/** An index a migration's up script creates, read from its IndexStmt. */
export interface CreatedIndex {
  /** Undefined for `CREATE INDEX ON t (…)`: PostgreSQL chose the name, so it is found by definition. */
  readonly name?: string;
  readonly schema?: string;
  readonly table: string;
  /** Key columns in order; null for an expression. */
  readonly columns: ReadonlyArray<string | null>;
  readonly unique: boolean;
  readonly partial: boolean;
  readonly file: string;
  readonly line: number;
  readonly version: string;
}

const qualified = (schema: string | undefined, name: string): string => (schema ? `${schema}.${name}` : name);
const sameName = (a: { schema?: string; name?: string }, schema: string | undefined, name: string): boolean =>
  a.name === name && (schema === undefined || a.schema === undefined || a.schema === schema);

/**
 * The indexes that the given migrations (in version order) leave behind: IndexStmt nodes, minus
 * those a later statement of the same migrations drops (DROP INDEX, DROP TABLE), following
 * ALTER INDEX/TABLE … RENAME. Indexes built by constraints (ADD PRIMARY KEY/UNIQUE) are not
 * listed; the invalid-index check covers them.
 */
export function indexesCreatedBy(set: MigrationSet, versions: ReadonlySet<string>): CreatedIndex[] {
  let created: CreatedIndex[] = [];
  for (const m of set.migrations.filter((x) => versions.has(x.version))) {
    for (const s of m.up.statements) {
      const n = s.node;
      switch (s.kind) {
        case 'IndexStmt': {
          const elems: any[] = (n.indexParams ?? []).map((p: any) => p.IndexElem);
          created.push({
            ...(n.idxname && { name: n.idxname as string }),
            ...(n.relation?.schemaname && { schema: n.relation.schemaname as string }),
            table: n.relation?.relname,
            columns: elems.map((e) => (e?.name as string | undefined) ?? null),
            unique: n.unique === true,
            partial: n.whereClause !== undefined,
            file: m.up.file,
            line: s.line,
            version: m.version,
          });
          break;
        }
        case 'DropStmt': {
          const names: string[][] = (n.objects ?? []).map((o: any) => (o.List?.items ?? []).map((i: any) => i.String?.sval as string));
          for (const parts of names) {
            const name = parts[parts.length - 1]!;
            const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
            if (n.removeType === 'OBJECT_INDEX') created = created.filter((c) => !sameName(c, schema, name));
            if (n.removeType === 'OBJECT_TABLE') created = created.filter((c) => !(c.table === name && (schema === undefined || c.schema === undefined || c.schema === schema)));
          }
          break;
        }
        case 'RenameStmt': {
          const from = n.relation?.relname as string | undefined;
          const schema = n.relation?.schemaname as string | undefined;
          if (!from) break;
          if (n.renameType === 'OBJECT_INDEX') created = created.map((c) => (sameName(c, schema, from) ? { ...c, name: n.newname } : c));
          if (n.renameType === 'OBJECT_TABLE') created = created.map((c) => (c.table === from && (schema === undefined || c.schema === undefined || c.schema === schema) ? { ...c, table: n.newname } : c));
          break;
        }
      }
    }
  }
  return created;
}

function result(name: string, expected: string, status: CheckStatus, message: string, durationMs: number, details?: unknown): CheckResult {
  return { name, source: 'built-in', builtIn: true, status, durationMs, expected, message, ...(status !== 'pass' && { failure: 'unexpected-result' as const }), ...(details !== undefined && { details }) };
}

/** Runs `fn` in a READ ONLY transaction that is always rolled back, timing it. */
async function readOnly<T>(client: pg.Client, statementTimeoutMs: number, fn: () => Promise<T>): Promise<{ value: T; durationMs: number }> {
  const started = performance.now();
  await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.round(statementTimeoutMs)}`);
  try {
    const value = await fn();
    return { value, durationMs: Math.round((performance.now() - started) * 10) / 10 };
  } finally {
    await client.query('ROLLBACK');
  }
}

export interface InvalidIndex {
  readonly schema: string;
  readonly index: string;
  readonly table: string;
  /** Backend building it right now (CREATE INDEX CONCURRENTLY in progress), if any. */
  readonly buildingPid: number | null;
}

/** Every index with `pg_index.indisvalid = false`, with the pid of a concurrent build still running on it. */
export async function findInvalidIndexes(client: pg.Client): Promise<InvalidIndex[]> {
  const { rows } = await client.query(
    `SELECT n.nspname AS schema, ic.relname AS index, t.relname AS table,
            (SELECT p.pid FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid LIMIT 1) AS building_pid
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = ic.relnamespace
      WHERE NOT i.indisvalid
      ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ schema: r.schema, index: r.index, table: r.table, buildingPid: r.building_pid }));
}

export async function checkNoInvalidIndexes(client: pg.Client, statementTimeoutMs: number): Promise<CheckResult> {
  const { value: invalid, durationMs } = await readOnly(client, statementTimeoutMs, () => findInvalidIndexes(client));
  const expected = 'no INVALID index';
  if (invalid.length === 0) return result('no-invalid-indexes', expected, 'pass', 'no INVALID index', durationMs);
  const names = invalid.map((i) => `${i.schema}.${i.index} on ${i.table}${i.buildingPid === null ? '' : ` (being built by pid ${i.buildingPid})`}`);
  return result(
    'no-invalid-indexes',
    expected,
    'fail',
    `${invalid.length} INVALID ${invalid.length === 1 ? 'index' : 'indexes'}: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}; an interrupted CREATE INDEX CONCURRENTLY leaves one behind. DROP INDEX CONCURRENTLY it and build it again`,
    durationMs,
    { invalid },
  );
}

interface ExistingIndex {
  readonly name: string;
  readonly valid: boolean;
  readonly unique: boolean;
  readonly partial: boolean;
  readonly columns: ReadonlyArray<string | null>;
}

const INDEXES_OF_TABLE = `
  SELECT ic.relname AS name, i.indisvalid AS valid, i.indisunique AS unique, i.indpred IS NOT NULL AS partial,
         ARRAY(SELECT a.attname FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY k(attnum, ord)
                 LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum <> 0
                ORDER BY k.ord)::text[] AS columns
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
   WHERE i.indrelid = $1::regclass
   ORDER BY 1`;
const TABLE_REGCLASS = `SELECT to_regclass(CASE WHEN $1::text IS NULL THEN quote_ident($2) ELSE quote_ident($1) || '.' || quote_ident($2) END)::oid AS oid`;

/**
 * Every index the run created exists and is valid. A named index is looked up by name on its
 * table; an unnamed one (`CREATE INDEX ON t (a, b)`) by definition: an index on that table with
 * the same key columns in order (expressions match any expression), uniqueness and partialness.
 */
export async function checkCreatedIndexes(client: pg.Client, set: MigrationSet, applied: readonly AppliedMigration[], runId: string | undefined, statementTimeoutMs: number): Promise<CheckResult> {
  const expected = 'every index the run created exists and is valid';
  const versions = new Set(applied.filter((a) => a.runId === runId).map((a) => a.version));
  if (runId === undefined || versions.size === 0) return result('created-indexes-valid', expected, 'pass', runId === undefined ? 'no run recorded in the ledger' : `run ${runId} applied no migration`, 0);
  const created = indexesCreatedBy(set, versions);
  const { value: problems, durationMs } = await readOnly(client, statementTimeoutMs, async () => {
    const problems: Array<{ index: string; table: string; source: string; problem: string }> = [];
    // Each table's indexes once, however many of them the run created; undefined: no such table.
    const indexesOf = new Map<string, ExistingIndex[] | undefined>();
    for (const c of created) {
      const table = qualified(c.schema, c.table);
      if (!indexesOf.has(table)) {
        const { rows } = await client.query(TABLE_REGCLASS, [c.schema ?? null, c.table]);
        const oid: number | null = rows[0].oid;
        indexesOf.set(table, oid === null ? undefined : (await client.query<ExistingIndex>(INDEXES_OF_TABLE, [oid])).rows);
      }
      const existing = indexesOf.get(table);
      const source = formatPosition(c);
      const label = c.name ?? `(unnamed) on ${table} (${c.columns.map((x) => x ?? '<expression>').join(', ')})`;
      if (existing === undefined) {
        problems.push({ index: label, table, source, problem: `its table ${table} does not exist` });
        continue;
      }
      const matches = c.name !== undefined
        ? existing.filter((e) => e.name === c.name)
        : existing.filter((e) => e.unique === c.unique && e.partial === c.partial && e.columns.length === c.columns.length && e.columns.every((col, i) => col === c.columns[i]));
      if (matches.length === 0) problems.push({ index: label, table, source, problem: c.name ? `does not exist on ${table}` : 'no index with this definition exists' });
      else if (!matches.some((e) => e.valid)) problems.push({ index: c.name ?? matches[0]!.name, table, source, problem: 'exists but is INVALID' });
    }
    return problems;
  });
  if (problems.length === 0) return result('created-indexes-valid', expected, 'pass', `${created.length} ${created.length === 1 ? 'index' : 'indexes'} created by run ${runId}, all valid`, durationMs, { runId, indexes: created.map((c) => c.name ?? null) });
  return result(
    'created-indexes-valid',
    expected,
    'fail',
    problems.map((p) => `${p.source}: index ${p.index} ${p.problem}`).join('; '),
    durationMs,
    { runId, problems },
  );
}

export async function checkNotValidConstraints(client: pg.Client, statementTimeoutMs: number): Promise<CheckResult> {
  const { value: rows, durationMs } = await readOnly(client, statementTimeoutMs, async () => {
    const { rows } = await client.query(
      `SELECT n.nspname AS schema, coalesce(t.relname, ty.typname) AS "table", c.conname AS name,
              CASE c.contype WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check' ELSE c.contype::text END AS type,
              c.contypid <> 0 AS on_domain
         FROM pg_constraint c
         JOIN pg_namespace n ON n.oid = c.connamespace
         LEFT JOIN pg_class t ON t.oid = c.conrelid
         LEFT JOIN pg_type ty ON ty.oid = c.contypid
        WHERE NOT c.convalidated AND n.nspname NOT IN ('pg_catalog', 'information_schema', '${LEDGER_SCHEMA}')
        ORDER BY 1, 2, 3`,
    );
    return rows as Array<{ schema: string; table: string; name: string; type: string; on_domain: boolean }>;
  });
  const expected = 'every constraint validated';
  if (rows.length === 0) return result('not-valid-constraints', expected, 'pass', 'no constraint is waiting for VALIDATE', durationMs);
  const first = rows[0]!;
  return result(
    'not-valid-constraints',
    expected,
    'warn',
    `${rows.length} constraint${rows.length === 1 ? '' : 's'} added NOT VALID, not validated yet: ${rows.slice(0, 5).map((r) => `${r.schema}.${r.table}.${r.name} (${r.type})`).join(', ')}${rows.length > 5 ? ', …' : ''}; new rows are checked, old ones are not until 'ALTER ${first.on_domain ? 'DOMAIN' : 'TABLE'} ${first.schema}.${first.table} VALIDATE CONSTRAINT ${first.name}' runs`,
    durationMs,
    { constraints: rows.map((r) => ({ schema: r.schema, table: r.table, name: r.name, type: r.type })) },
  );
}

export function checkLedgerMatchesFiles(set: MigrationSet, applied: readonly AppliedMigration[]): CheckResult {
  const started = performance.now();
  const c = compareLedger(applied, set);
  const durationMs = Math.round((performance.now() - started) * 10) / 10;
  const expected = 'the ledger matches the migration files';
  const details = {
    changed: c.changed.map(({ version, name, file }) => ({ version, name, file })),
    missing: c.missing.map(({ version, name }) => ({ version, name })),
    outOfOrder: c.outOfOrder.map(({ version, name }) => ({ version, name })),
    pending: c.pending.map(({ version, name }) => ({ version, name })),
  };
  const problems: string[] = [];
  if (c.changed.length) problems.push(`applied ${c.changed.length === 1 ? 'file' : 'files'} changed since: ${c.changed.map((x) => `${x.file} (${x.version})`).join(', ')}; restore ${c.changed.length === 1 ? 'it' : 'them'} from version control`);
  if (c.missing.length) problems.push(`applied but missing from ${set.dir}: ${listVersions(c.missing)}; restore the files`);
  if (problems.length) return result('ledger-matches-files', expected, 'fail', problems.join('; '), durationMs, details);
  if (c.outOfOrder.length) return result('ledger-matches-files', expected, 'warn', `pending below the highest applied version: ${listVersions(c.outOfOrder)}; they were added after later ones ran`, durationMs, details);
  return result('ledger-matches-files', expected, 'pass', `${c.applied.length} applied, ${c.pending.length} pending${c.pending.length ? `: ${listVersions(c.pending)}` : ''}`, durationMs, details);
}
