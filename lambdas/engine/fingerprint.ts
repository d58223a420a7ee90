import { createHash } from 'node:crypto';
import { escapeIdentifier } from 'pg';
import type pg from 'pg';
import { LEDGER_SCHEMA } from './ledger.ts';
import { serverVersion } from './server-version.ts';

/**
 * A stable digest of the database: its schema (Airlock's own `airlock` schema and objects owned
 * by extensions aside) object by object, and each table's rows (exact count, and optionally an
 * exact hash of the rows' content). Taken in one REPEATABLE READ snapshot with every
 * output-affecting setting pinned, so an unchanged database gives byte-identical output. The
 * rollback path compares the one taken in Preflight with one taken after the down scripts.
 *
 * Not covered: sequence positions (a rollback does not give back consumed values), table and
 * column statistics, storage parameters of the server, roles and tablespaces (cluster-wide).
 */

/** 2: content hashed column by column (1 hashed whole rows; its content hashes are not comparable). */
export const FINGERPRINT_FORMAT = 2;

export interface TableRows {
  readonly rows: number;
  /** Order-independent hash of every row's content; present when taken with `content`. */
  readonly content?: string;
}

export interface Fingerprint {
  readonly format: typeof FINGERPRINT_FORMAT;
  /** Digest of everything below: equal digests mean an equal schema and equal rows. */
  readonly digest: string;
  readonly schemaDigest: string;
  readonly rowsDigest: string;
  /** Whether row content hashes were taken (`--content`). */
  readonly content: boolean;
  /** `<kind> <schema>.<name>` → md5 of the object's definition; keys sorted. */
  readonly objects: Readonly<Record<string, string>>;
  /** `<schema>.<table>` → its rows; keys sorted. */
  readonly tables: Readonly<Record<string, TableRows>>;
}

export interface FingerprintOptions {
  /** Also hash every row's content (one sequential scan per table). @default false – counts only */
  readonly content?: boolean;
  /** statement_timeout for the whole fingerprint. @default the session's */
  readonly statementTimeoutMs?: number;
}

const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema', '${LEDGER_SCHEMA}') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'`;
const NOT_FROM_EXTENSION = (classid: string, oid: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${classid}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;
const SORTED_ACL = (acl: string): string => `coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(${acl}) a), '')`;

/** Each query returns (name, def): the object's name within its kind, and its definition as text. */
const OBJECT_QUERIES: ReadonlyArray<{ readonly kind: string; readonly sql: string }> = [
  {
    kind: 'schema',
    sql: `SELECT n.nspname AS name, concat_ws(' ', pg_get_userbyid(n.nspowner), ${SORTED_ACL('n.nspacl')}, obj_description(n.oid, 'pg_namespace')) AS def
            FROM pg_namespace n WHERE ${USER_NAMESPACE} AND ${NOT_FROM_EXTENSION('pg_namespace', 'n.oid')}`,
  },
  {
    kind: 'extension',
    sql: `SELECT e.extname AS name, concat_ws(' ', e.extversion, n.nspname) AS def FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace`,
  },
  {
    // Tables, partitioned tables, views, materialized views, foreign tables, composite types.
    kind: 'relation',
    sql: `SELECT n.nspname || '.' || c.relname AS name,
                 concat_ws(E'\\n',
                   'kind ' || c.relkind::text, 'persistence ' || c.relpersistence::text, 'owner ' || pg_get_userbyid(c.relowner),
                   'acl ' || ${SORTED_ACL('c.relacl')}, 'options ' || array_to_string(c.reloptions, ','),
                   'rls ' || c.relrowsecurity || ' ' || c.relforcerowsecurity,
                   'partition key ' || CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                   'partition of ' || (SELECT pn.nspname || '.' || p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition),
                   'bound ' || pg_get_expr(c.relpartbound, c.oid),
                   'view ' || CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
                   'comment ' || obj_description(c.oid, 'pg_class'),
                   (SELECT string_agg(concat_ws(' ', 'column', a.attname, format_type(a.atttypid, a.atttypmod),
                             CASE WHEN a.attnotnull THEN 'NOT NULL' END,
                             CASE WHEN a.attidentity <> '' THEN 'IDENTITY ' || a.attidentity::text END,
                             CASE WHEN a.attgenerated <> '' THEN 'GENERATED ' || pg_get_expr(ad.adbin, ad.adrelid)
                                  ELSE 'DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid) END,
                             CASE WHEN a.attcollation <> t.typcollation THEN 'COLLATE ' || co.collname END,
                             'comment ' || col_description(c.oid, a.attnum),
                             'acl ' || NULLIF(${SORTED_ACL('a.attacl')}, '')), E'\\n' ORDER BY a.attnum)
                      FROM pg_attribute a
                      JOIN pg_type t ON t.oid = a.atttypid
                      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                      LEFT JOIN pg_collation co ON co.oid = a.attcollation
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)) AS def
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND ${USER_NAMESPACE} AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}`,
  },
  {
    kind: 'sequence',
    sql: `SELECT n.nspname || '.' || c.relname AS name,
                 concat_ws(' ', format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                   pg_get_userbyid(c.relowner), ${SORTED_ACL('c.relacl')},
                   (SELECT 'owned by ' || t.relname || '.' || a.attname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))) AS def
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
           WHERE ${USER_NAMESPACE} AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}`,
  },
  {
    kind: 'index',
    sql: `SELECT n.nspname || '.' || ic.relname AS name,
                 concat_ws(' ', pg_get_indexdef(i.indexrelid), CASE WHEN NOT i.indisvalid THEN 'INVALID' END, CASE WHEN i.indisclustered THEN 'CLUSTERED' END,
                   'options ' || array_to_string(ic.reloptions, ','), 'comment ' || obj_description(ic.oid, 'pg_class')) AS def
            FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
           WHERE ${USER_NAMESPACE} AND ${NOT_FROM_EXTENSION('pg_class', 'i.indrelid')}`,
  },
  {
    kind: 'constraint',
    sql: `SELECT n.nspname || '.' || coalesce(t.relname, ty.typname) || '.' || c.conname AS name,
                 concat_ws(' ', c.contype, pg_get_constraintdef(c.oid), CASE WHEN NOT c.convalidated THEN 'NOT VALIDATED' END,
                   'comment ' || obj_description(c.oid, 'pg_constraint')) AS def
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            LEFT JOIN pg_class t ON t.oid = c.conrelid LEFT JOIN pg_type ty ON ty.oid = c.contypid
           WHERE ${USER_NAMESPACE} AND (t.oid IS NULL OR ${NOT_FROM_EXTENSION('pg_class', 't.oid')}) AND (ty.oid IS NULL OR ${NOT_FROM_EXTENSION('pg_type', 'ty.oid')})`,
  },
  {
    kind: 'trigger',
    sql: `SELECT n.nspname || '.' || c.relname || '.' || tg.tgname AS name, concat_ws(' ', pg_get_triggerdef(tg.oid), 'enabled ' || tg.tgenabled::text) AS def
            FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE NOT tg.tgisinternal AND ${USER_NAMESPACE} AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}`,
  },
  {
    kind: 'function',
    sql: `SELECT p.oid::regprocedure::text AS name,
                 concat_ws(E'\\n', CASE WHEN p.prokind = 'a'
                     THEN (SELECT concat_ws(' ', 'aggregate', a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggkind, format_type(a.aggtranstype, NULL), a.agginitval) FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                     ELSE pg_get_functiondef(p.oid) END,
                   'owner ' || pg_get_userbyid(p.proowner), 'acl ' || ${SORTED_ACL('p.proacl')}, 'comment ' || obj_description(p.oid, 'pg_proc')) AS def
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE ${USER_NAMESPACE} AND ${NOT_FROM_EXTENSION('pg_proc', 'p.oid')}`,
  },
  {
    // Enums, domains and range types (composite types are relations above; array types follow their element).
    kind: 'type',
    sql: `SELECT n.nspname || '.' || t.typname AS name,
                 concat_ws(' ', t.typtype, pg_get_userbyid(t.typowner),
                   CASE t.typtype WHEN 'e' THEN (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
                                  WHEN 'd' THEN concat_ws(' ', format_type(t.typbasetype, t.typtypmod), CASE WHEN t.typnotnull THEN 'NOT NULL' END, 'DEFAULT ' || t.typdefault)
                                  WHEN 'r' THEN (SELECT concat_ws(' ', format_type(r.rngsubtype, NULL), (SELECT oc.opcname FROM pg_opclass oc WHERE oc.oid = r.rngsubopc)) FROM pg_range r WHERE r.rngtypid = t.oid) END,
                   'comment ' || obj_description(t.oid, 'pg_type')) AS def
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE t.typtype IN ('e', 'd', 'r') AND ${USER_NAMESPACE} AND ${NOT_FROM_EXTENSION('pg_type', 't.oid')}`,
  },
  {
    kind: 'policy',
    sql: `SELECT n.nspname || '.' || c.relname || '.' || p.polname AS name,
                 concat_ws(' ', p.polcmd, p.polpermissive, (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END, ',' ORDER BY 1) FROM unnest(p.polroles) r),
                   'using ' || pg_get_expr(p.polqual, p.polrelid), 'check ' || pg_get_expr(p.polwithcheck, p.polrelid)) AS def
            FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE ${USER_NAMESPACE}`,
  },
  {
    kind: 'rule',
    sql: `SELECT n.nspname || '.' || c.relname || '.' || r.rulename AS name, concat_ws(' ', pg_get_ruledef(r.oid), r.ev_enabled) AS def
            FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE r.rulename <> '_RETURN' AND ${USER_NAMESPACE}`,
  },
  {
    kind: 'statistics',
    sql: `SELECT n.nspname || '.' || s.stxname AS name, pg_get_statisticsobjdef(s.oid) AS def
            FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE ${USER_NAMESPACE}`,
  },
];

/**
 * Per column type, the SQL that hashes one value exactly (equal hash input means equal stored
 * value), seeded with the column's position. `$c` is the column, `$s` the seed. Every function here
 * exists from PostgreSQL 11 on. Types not listed (name and varchar among them) are hashed as their text, which is exact for
 * every built-in type (1.0 vs 1.00, '1 day' vs '24 hours', -0 vs 0) and does not depend on OIDs
 * (a recreated enum keeps its labels, not its OID).
 */
const VALUE_HASH: ReadonlyMap<number, string> = new Map([
  [16, 'hashint4extended($c::int, $s)'], // bool
  // int8: PostgreSQL's hash folds the two halves together first (1 and 4294967296 hash alike), so the high half is hashed beside it.
  [20, 'hashint8extended($c, $s) # hashint4extended(($c >> 32)::int, -$s)'],
  [21, 'hashint2extended($c, $s)'], // int2
  [23, 'hashint4extended($c, $s)'], // int4
  [25, 'hashtextextended($c COLLATE "C", $s)'], // text: its bytes, whatever the column's collation
  [26, 'hashoidextended($c, $s)'], // oid
  // bpchar: its trailing spaces are stored (unbounded bpchar keeps them), but a cast to text strips them.
  [1042, 'hashtextextended(textin(bpcharout($c)) COLLATE "C", $s)'],
  [1083, 'time_hash_extended($c, $s)'], // time
  [1114, 'timestamp_hash_extended($c, $s)'], // timestamp
  [1184, `timestamp_hash_extended($c AT TIME ZONE 'UTC', $s)`], // timestamptz: same instant, same UTC wall time
  [2950, 'uuid_hash_extended($c, $s)'], // uuid
  // date: days since 2000-01-01; ±infinity are stored as the int32 extremes, which no finite date reaches.
  [1082, `hashint4extended(CASE WHEN isfinite($c) THEN $c - date '2000-01-01' WHEN $c > date '2000-01-01' THEN 2147483647 WHEN $c < date '2000-01-01' THEN -2147483648 END, $s)`],
  // numeric: the value's hash ignores sign, scale (1.0 = 1.00) and which special value (NaN, ±Infinity)
  // it is, so those are hashed beside it.
  [1700, `hash_numeric_extended($c, $s) # hashint4extended(coalesce(scale($c) * 2 + ($c < 0)::int, CASE WHEN $c = 'NaN' THEN -1 WHEN $c > 0 THEN -2 ELSE -3 END), $s)`],
]);
/** bytea has no SQL-callable hash function; from 14 on, hashing it as a one-field record uses the type's own hash. */
const BYTEA_HASH_14 = 'hash_record_extended(ROW($c), $s)';

/**
 * The expression whose sum over the rows is a table's content hash: the XOR of one hash per column,
 * each seeded with the column's position so that equal values in different columns hash apart, and
 * a NULL given a constant of its own. One cheap function call per value, no row built, the same on
 * every supported server version (only bytea differs on 13, hashed as its text there).
 */
export function rowHashExpression(serverVersionNum: number, alias: string, columns: ReadonlyArray<{ name: string; typeId: number }>): string {
  if (columns.length === 0) return '0';
  return columns
    .map(({ name, typeId }, i) => {
      const template = VALUE_HASH.get(typeId) ?? (typeId === 17 && serverVersionNum >= 140000 ? BYTEA_HASH_14 : 'hashtextextended($c::text COLLATE "C", $s)');
      const seed = i + 1;
      const column = `${alias}.${escapeIdentifier(name)}`;
      return `coalesce(${template.replace(/\$[cs]/g, (m) => (m === '$c' ? column : String(seed)))}, ${-seed})`;
    })
    .join(' # ');
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Takes the fingerprint in one read-only snapshot. */
export async function takeFingerprint(client: pg.Client, options: FingerprintOptions = {}): Promise<Fingerprint> {
  try {
    await client.query(
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
       SET LOCAL search_path = pg_catalog; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres';
       SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'; SET LOCAL lc_monetary = 'C'; SET LOCAL xmloption = 'content'
       ${options.statementTimeoutMs === undefined ? '' : `; SET LOCAL statement_timeout = ${Math.round(options.statementTimeoutMs)}`}`,
    );
    const { num: serverVersionNum } = await serverVersion(client);
    const objects: Record<string, string> = {};
    for (const q of OBJECT_QUERIES) {
      const { rows } = await client.query<{ name: string; hash: string }>(`SELECT name, md5(coalesce(def, '')) AS hash FROM (${q.sql}) o`);
      for (const r of rows) objects[`${q.kind} ${r.name}`] = r.hash;
    }
    const tables: Record<string, TableRows> = {};
    for (const t of await tablesWithRows(client)) {
      if (options.content) {
        const expression = rowHashExpression(serverVersionNum, 'r', t.columns);
        const { rows } = await client.query(`SELECT count(*)::text AS n, coalesce(sum(${expression}), 0)::text AS h FROM ${t.quoted} r`);
        tables[t.name] = { rows: Number(rows[0].n), content: createHash('md5').update(`${rows[0].n}:${rows[0].h}`).digest('hex') };
      } else {
        const { rows } = await client.query(`SELECT count(*)::text AS n FROM ${t.quoted}`);
        tables[t.name] = { rows: Number(rows[0].n) };
      }
    }
    return assemble(objects, tables, options.content === true);
  } finally {
    await client.query('ROLLBACK');
  }
}

async function tablesWithRows(client: pg.Client): Promise<Array<{ name: string; quoted: string; columns: Array<{ name: string; typeId: number }> }>> {
  // Leaf tables and materialized views hold rows; a partitioned parent's rows are its partitions'.
  const { rows } = await client.query(
    `SELECT n.nspname || '.' || c.relname AS name, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS quoted,
            coalesce((SELECT json_agg(json_build_object('name', a.attname, 'typeId', CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END::int) ORDER BY a.attnum)
                        FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm') AND c.relispopulated AND ${USER_NAMESPACE} AND ${NOT_FROM_EXTENSION('pg_class', 'c.oid')}
      ORDER BY 1`,
  );
  return rows;
}

function sortedRecord<T>(entries: Iterable<[string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}

function assemble(objects: Record<string, string>, tables: Record<string, TableRows>, content: boolean): Fingerprint {
  const sortedObjects = sortedRecord(Object.entries(objects));
  const sortedTables = sortedRecord(Object.entries(tables));
  const schemaDigest = sha256(Object.entries(sortedObjects).map(([k, v]) => `${k} ${v}\n`).join(''));
  const rowsDigest = sha256(Object.entries(sortedTables).map(([k, v]) => `${k} ${v.rows}${v.content === undefined ? '' : ` ${v.content}`}\n`).join(''));
  return {
    format: FINGERPRINT_FORMAT,
    digest: sha256(`${FINGERPRINT_FORMAT} ${schemaDigest} ${rowsDigest}`),
    schemaDigest,
    rowsDigest,
    content,
    objects: sortedObjects,
    tables: sortedTables,
  };
}

/** The fingerprint as JSON: keys in a fixed order, no timestamps; identical for an unchanged database. */
export function fingerprintJson(fp: Fingerprint): string {
  return `${JSON.stringify(fp, null, 2)}\n`;
}

export interface FingerprintDifference {
  /** `index public.orders_pkey`, `rows public.orders`, `content public.orders`. */
  readonly object: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly before?: string;
  readonly after?: string;
}

/**
 * The objects that differ between two fingerprints, sorted; empty when they match. Row content is
 * compared only when both were taken with `content`.
 */
export function compareFingerprints(before: Fingerprint, after: Fingerprint): FingerprintDifference[] {
  if (before.format !== after.format) {
    throw new Error(`Fingerprints of format ${before.format} and ${after.format} cannot be compared: take both with the same version of Airlock.`);
  }
  const diffs: FingerprintDifference[] = [];
  const keys = (a: object, b: object): string[] => [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys(before.objects, after.objects)) {
    const b = before.objects[key];
    const a = after.objects[key];
    if (b === a) continue;
    diffs.push(b === undefined ? { object: key, change: 'added' } : a === undefined ? { object: key, change: 'removed' } : { object: key, change: 'changed' });
  }
  for (const table of keys(before.tables, after.tables)) {
    const b = before.tables[table];
    const a = after.tables[table];
    if (b === undefined || a === undefined) {
      diffs.push({ object: `rows ${table}`, change: b === undefined ? 'added' : 'removed', ...(b && { before: `${b.rows} rows` }), ...(a && { after: `${a.rows} rows` }) });
      continue;
    }
    if (b.rows !== a.rows) diffs.push({ object: `rows ${table}`, change: 'changed', before: `${b.rows} rows`, after: `${a.rows} rows` });
    else if (b.content !== undefined && a.content !== undefined && b.content !== a.content) diffs.push({ object: `content ${table}`, change: 'changed', before: b.content, after: a.content });
  }
  return diffs.sort((x, y) => (x.object < y.object ? -1 : x.object > y.object ? 1 : 0));
}
