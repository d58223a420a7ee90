import { escapeIdentifier } from 'pg';
import type { ParsedStatement } from './parse.ts';
import { refusesTransaction } from './transaction-rules.ts';

/**
 * What a statement does to the tables it touches: which lock it takes, and whether it rewrites,
 * scans or builds. Facts from shared/POSTGRES-LOCKS.md. The dry-run plan prints this and the
 * linter's rules judge it; the preflight storage estimate reads `work`.
 */

/** Table lock modes, weakest first; the index is the strength. */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** Whether the lock stops reads, writes, only DDL, or nothing that clients do. */
export function lockBlocks(mode: LockMode): 'reads and writes' | 'writes' | 'DDL only' | 'nothing' {
  const strength = LOCK_MODES.indexOf(mode);
  if (strength >= LOCK_MODES.indexOf('ACCESS EXCLUSIVE')) return 'reads and writes';
  if (strength >= LOCK_MODES.indexOf('SHARE')) return 'writes';
  if (strength >= LOCK_MODES.indexOf('SHARE UPDATE EXCLUSIVE')) return 'DDL only';
  return 'nothing';
}

/** How much work is done while the lock is held, cheapest first. */
export const WORK_KINDS = ['none', 'catalog', 'data', 'scan', 'build', 'rewrite'] as const;
export type Work = (typeof WORK_KINDS)[number];

export interface TableLock {
  /** Schema-qualified when the statement qualifies it, else the bare name. */
  readonly table: string;
  readonly lock: LockMode;
}

export interface EffectPart {
  readonly table?: string;
  readonly lock?: LockMode;
  readonly work: Work;
  /** One clause of what happens, e.g. "ADD COLUMN id bigserial rewrites the table". */
  readonly what: string;
}

export interface StatementEffect {
  /** The strongest lock on each table, strongest first. */
  readonly locks: readonly TableLock[];
  /** The most expensive work any part of the statement does. */
  readonly work: Work;
  readonly parts: readonly EffectPart[];
  readonly transaction: 'transaction' | 'autocommit';
}

/** What is known of the schema beyond the statement itself (earlier statements, or the live database). */
export interface SchemaContext {
  /** Tables created earlier in the same run: new, empty, unseen by clients. */
  isNewTable?(table: string): boolean;
  /** Current type of a column, as `format_type` prints it (`character varying(20)`, `integer`). */
  columnType?(table: string, column: string): string | undefined;
  /** A validated `CHECK (col IS NOT NULL)` exists, so SET NOT NULL skips its scan (PG12+). */
  hasNotNullCheck?(table: string, column: string): boolean;
  /** The table an index belongs to, when known (DROP INDEX locks the index's table). */
  indexTable?(index: string): string | undefined;
  /** Whether a column is NOT NULL: undefined when the column is not known. */
  isNotNull?(table: string, column: string): boolean | undefined;
  /** The index's key columns, when known. */
  indexColumns?(index: string): readonly string[] | undefined;
}

export function relationName(rv: { schemaname?: string; relname?: string } | undefined): string {
  if (!rv?.relname) return '?';
  return rv.schemaname ? `${rv.schemaname}.${rv.relname}` : rv.relname;
}

/**
 * `name` (`table` or `schema.table`, each part the exact name, as {@link relationName} gives it)
 * quoted for SQL or for a `::regclass` / `to_regclass` lookup, so that `Orders` stays `Orders`.
 */
export function quoteQualified(name: string): string {
  return name.split('.').map(escapeIdentifier).join('.');
}

/** Functions whose ADD COLUMN default is evaluated per row, so the table is rewritten. */
const VOLATILE_FUNCTIONS = new Set([
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'random',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'txid_current',
  'setseed',
]);

export const SERIAL_TYPES: ReadonlySet<string> = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export function typeNameOf(typeName: any): string {
  const names: string[] = (typeName?.names ?? []).map((n: any) => n.String?.sval).filter(Boolean);
  const last = names[names.length - 1] ?? '?';
  const mods: string[] = (typeName?.typmods ?? []).map((m: any) => m.A_Const?.ival?.ival ?? m.A_Const?.ival ?? '').map(String);
  const base = last + (mods.length ? `(${mods.join(',')})` : '');
  return (typeName?.arrayBounds?.length ? `${base}[]` : base).toLowerCase();
}

/** Finds a volatile function call anywhere in an expression tree. */
export function findVolatileCall(expr: unknown): string | undefined {
  let found: string | undefined;
  walk(expr, (node) => {
    const call = (node as any).FuncCall;
    if (call && !found) {
      const names: string[] = (call.funcname ?? []).map((n: any) => n.String?.sval);
      const name = names[names.length - 1];
      if (name && VOLATILE_FUNCTIONS.has(name.toLowerCase())) found = name;
    }
  });
  return found;
}

/**
 * Whether a VACUUM/ANALYZE/REINDEX option list turns `name` on: `(FULL)`, `(FULL true)`, `(FULL on)`,
 * `(FULL 1)` do; `(FULL false)`, `(FULL off)`, `(FULL 0)` do not.
 */
export function optionEnabled(options: readonly any[] | undefined, name: string): boolean {
  const opt = (options ?? []).find((o) => String(o?.DefElem?.defname ?? '').toLowerCase() === name);
  if (!opt) return false;
  const arg = opt.DefElem.arg;
  if (arg === undefined) return true;
  if (arg.String) return !['false', 'off', 'no', '0'].includes(String(arg.String.sval).toLowerCase());
  if (arg.Integer) return (arg.Integer.ival ?? 0) !== 0;
  if (arg.Boolean) return arg.Boolean.boolval === true;
  return true;
}

/** REINDEX with CONCURRENTLY switched on: `REINDEX … CONCURRENTLY`, `(CONCURRENTLY)`, `(CONCURRENTLY true)`; not `(CONCURRENTLY false)`. */
export function isConcurrentReindex(node: Record<string, any>): boolean {
  return optionEnabled(node.params, 'concurrently');
}

/** Visits every object in a parse tree. */
export function walk(tree: unknown, visit: (node: object) => void): void {
  if (Array.isArray(tree)) for (const t of tree) walk(t, visit);
  else if (tree && typeof tree === 'object') {
    visit(tree);
    for (const v of Object.values(tree)) walk(v, visit);
  }
}

const AE: LockMode = 'ACCESS EXCLUSIVE';
const SUE: LockMode = 'SHARE UPDATE EXCLUSIVE';
const SRE: LockMode = 'SHARE ROW EXCLUSIVE';

/** Type changes PostgreSQL makes without a rewrite (binary-coercible), from POSTGRES-LOCKS.md. */
export function isBinaryCoercible(from: string, to: string): boolean {
  const f = normalizeType(from);
  const t = normalizeType(to);
  if (f.base === t.base && f.mods.length === 0 && t.mods.length === 0) return true;
  if ((f.base === 'varchar' || f.base === 'text') && t.base === 'text') return true;
  if (f.base === 'text' && t.base === 'varchar' && t.mods.length === 0) return true;
  if (PRECISION_TYPES.has(f.base) && f.base === t.base) return t.mods.length === 0 || (f.mods.length > 0 && t.mods[0]! >= f.mods[0]!);
  if (f.base === 'varchar' && t.base === 'varchar') return t.mods.length === 0 || (f.mods.length > 0 && t.mods[0]! >= f.mods[0]!);
  if (f.base === 'numeric' && t.base === 'numeric') {
    if (t.mods.length === 0) return true;
    return f.mods.length > 0 && (f.mods[1] ?? 0) === (t.mods[1] ?? 0) && t.mods[0]! >= f.mods[0]!;
  }
  if (f.base === 'varbit' && t.base === 'varbit') return t.mods.length === 0 || (f.mods.length > 0 && t.mods[0]! >= f.mods[0]!);
  if (f.base === 'cidr' && t.base === 'inet') return true;
  return false;
}

/** Types whose precision can grow (or be dropped) without a rewrite. */
const PRECISION_TYPES = new Set(['timestamp without time zone', 'timestamp with time zone', 'time without time zone', 'time with time zone', 'interval']);

function normalizeType(type: string): { base: string; mods: number[] } {
  // format_type prints `timestamp(3) with time zone`; move the precision to the end like the other types.
  const lower = type.toLowerCase().trim().replace(/^(timestamp|time)\((\d+)\)( with(?:out)? time zone)$/, '$1$3($2)');
  const m = /^\s*([a-z_ ]+?)\s*(?:\(([\d,\s]+)\))?\s*$/i.exec(lower);
  const raw = (m?.[1] ?? type).trim();
  const aliases: Record<string, string> = {
    'character varying': 'varchar',
    'varchar': 'varchar',
    'int4': 'integer',
    'int': 'integer',
    'int8': 'bigint',
    'int2': 'smallint',
    'bit varying': 'varbit',
    'decimal': 'numeric',
    'bpchar': 'char',
    'character': 'char',
    'timestamptz': 'timestamp with time zone',
    'timestamp': 'timestamp without time zone',
    'timetz': 'time with time zone',
    'time': 'time without time zone',
    'float8': 'double precision',
    'float4': 'real',
    'bool': 'boolean',
    'serial': 'integer',
    'serial4': 'integer',
    'bigserial': 'bigint',
    'serial8': 'bigint',
    'smallserial': 'smallint',
    'serial2': 'smallint',
  };
  return { base: aliases[raw] ?? raw, mods: (m?.[2] ?? '').split(',').filter((s) => s.trim()).map(Number) };
}

export function describeEffect(stmt: Pick<ParsedStatement, 'kind' | 'node'>, ctx: SchemaContext = {}): StatementEffect {
  const parts = effectParts(stmt, ctx);
  const strongest = new Map<string, LockMode>();
  for (const p of parts) {
    if (!p.table || !p.lock) continue;
    const prev = strongest.get(p.table);
    if (!prev || LOCK_MODES.indexOf(p.lock) > LOCK_MODES.indexOf(prev)) strongest.set(p.table, p.lock);
  }
  const locks = [...strongest].map(([table, lock]) => ({ table, lock })).sort((a, b) => LOCK_MODES.indexOf(b.lock) - LOCK_MODES.indexOf(a.lock));
  const work = parts.reduce<Work>((w, p) => (WORK_KINDS.indexOf(p.work) > WORK_KINDS.indexOf(w) ? p.work : w), 'none');
  return { locks, work, parts, transaction: refusesTransaction(stmt) ? 'autocommit' : 'transaction' };
}

function effectParts(stmt: Pick<ParsedStatement, 'kind' | 'node'>, ctx: SchemaContext): EffectPart[] {
  const n = stmt.node;
  const isNew = (t: string): boolean => ctx.isNewTable?.(t) ?? false;
  switch (stmt.kind) {
    case 'IndexStmt': {
      const table = relationName(n.relation);
      const unique = n.unique ? 'UNIQUE ' : '';
      // ON ONLY a partitioned parent: an invalid index on the parent alone, no partition is read.
      if (n.relation && n.relation.inh !== true) return [{ table, lock: 'SHARE', work: 'catalog', what: `CREATE ${unique}INDEX ON ONLY ${table} creates the parent's index without building on any partition` }];
      return n.concurrent
        ? [{ table, lock: SUE, work: 'build', what: `CREATE ${unique}INDEX CONCURRENTLY builds the index in two scans while reads and writes continue` }]
        : [{ table, lock: 'SHARE', work: isNew(table) ? 'none' : 'build', what: `CREATE ${unique}INDEX blocks writes to ${table} for the whole build` }];
    }
    case 'DropStmt': {
      const objects: string[] = (n.objects ?? []).map((o: any) =>
        (o.List?.items ?? [o]).map((i: any) => i.String?.sval).filter(Boolean).join('.'),
      );
      switch (n.removeType) {
        case 'OBJECT_INDEX':
          return objects.map((o) => {
            const table = ctx.indexTable?.(o) ?? `the table of index ${o}`;
            return n.concurrent
              ? { table, lock: SUE, work: 'catalog' as Work, what: `DROP INDEX CONCURRENTLY ${o} waits for running queries without blocking them` }
              : { table, lock: AE, work: 'catalog' as Work, what: `DROP INDEX ${o} takes ACCESS EXCLUSIVE on the index's table, blocking reads and writes while it waits` };
          });
        case 'OBJECT_TABLE':
        case 'OBJECT_MATVIEW':
        case 'OBJECT_VIEW':
          return objects.map((o) => ({ table: o, lock: AE, work: 'catalog' as Work, what: `DROP destroys ${o} and its data` }));
        default:
          return [{ work: 'catalog', what: `DROP ${String(n.removeType).replace('OBJECT_', '')} ${objects.join(', ')}` }];
      }
    }
    case 'ReindexStmt': {
      const concurrent = isConcurrentReindex(n);
      const target = n.relation ? relationName(n.relation) : n.name ?? '?';
      return concurrent
        ? [{ table: target, lock: SUE, work: 'build', what: 'REINDEX CONCURRENTLY rebuilds while reads and writes continue' }]
        : [{ table: target, lock: 'SHARE', work: 'build', what: 'REINDEX blocks writes (and reads that use the index) for the whole rebuild' }];
    }
    case 'AlterTableStmt':
      return alterTableParts(n, ctx);
    case 'RenameStmt': {
      const table = relationName(n.relation);
      return [{ table, lock: AE, work: 'catalog', what: `RENAME ${String(n.renameType).replace('OBJECT_', '')} breaks clients still using the old name` }];
    }
    case 'CreateStmt': {
      const table = relationName(n.relation);
      const parent = n.inhRelations?.[0]?.RangeVar;
      if (n.partbound && parent) return [{ table: relationName(parent), lock: AE, work: 'catalog', what: `CREATE TABLE ${table} PARTITION OF takes ACCESS EXCLUSIVE on the parent` }];
      return [{ work: 'none', what: `CREATE TABLE ${table}` }];
    }
    case 'VacuumStmt': {
      const tables: string[] = (n.rels ?? []).map((r: any) => relationName(r.VacuumRelation?.relation));
      if (!n.is_vacuumcmd) return tables.map((t) => ({ table: t, lock: 'SHARE UPDATE EXCLUSIVE' as LockMode, work: 'scan' as Work, what: 'ANALYZE samples the table' }));
      const full = optionEnabled(n.options, 'full');
      const on = tables.length ? tables : ['every table'];
      return on.map((t) =>
        full
          ? { table: t, lock: AE, work: 'rewrite' as Work, what: 'VACUUM FULL rewrites the table under ACCESS EXCLUSIVE' }
          : { table: t, lock: SUE, work: 'scan' as Work, what: 'VACUUM scans the table; reads and writes continue' },
      );
    }
    case 'ClusterStmt':
      return [{ table: relationName(n.relation), lock: AE, work: 'rewrite', what: 'CLUSTER rewrites the table under ACCESS EXCLUSIVE' }];
    case 'TruncateStmt':
      return (n.relations ?? []).map((r: any) => ({ table: relationName(r.RangeVar), lock: AE, work: 'catalog' as Work, what: 'TRUNCATE removes every row' }));
    case 'CreateTrigStmt':
      return [{ table: relationName(n.relation), lock: SRE, work: 'catalog', what: 'CREATE TRIGGER blocks writes briefly' }];
    case 'RefreshMatViewStmt':
      return n.concurrent
        ? [{ table: relationName(n.relation), lock: 'EXCLUSIVE', work: 'build', what: 'REFRESH … CONCURRENTLY allows reads during the rebuild' }]
        : [{ table: relationName(n.relation), lock: AE, work: 'build', what: 'REFRESH MATERIALIZED VIEW blocks reads for the whole rebuild' }];
    case 'LockStmt': {
      const mode = LOCK_MODES[Math.max(0, Math.min(LOCK_MODES.length - 1, Number(n.mode ?? 8) - 1))]!;
      return (n.relations ?? []).map((r: any) => ({ table: relationName(r.RangeVar), lock: mode, work: 'none' as Work, what: `LOCK TABLE in ${mode} mode` }));
    }
    case 'UpdateStmt':
    case 'DeleteStmt': {
      const verb = stmt.kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE';
      const table = relationName(n.relation);
      return [{ table, lock: 'ROW EXCLUSIVE', work: 'data', what: n.whereClause ? `${verb} locks the rows it changes` : `${verb} without WHERE changes every row in one transaction` }];
    }
    case 'InsertStmt':
      return [{ table: relationName(n.relation), lock: 'ROW EXCLUSIVE', work: 'data', what: 'INSERT' }];
    case 'AlterEnumStmt':
      return [{ work: 'catalog', what: 'ALTER TYPE … ADD VALUE: the new value cannot be used until the transaction commits' }];
    default:
      return [{ work: 'catalog', what: stmt.kind.replace(/Stmt$/, '') }];
  }
}

/** No USING, or `USING col` / `USING col::<the new type>`: PostgreSQL then judges the change like a plain one. */
function usingIsPlain(using: any, column: string, to: string): boolean {
  if (using === undefined) return true;
  const expr = using.TypeCast && typeNameOf(using.TypeCast.typeName) === to ? using.TypeCast.arg : using;
  const fields: any[] = expr?.ColumnRef?.fields ?? [];
  return fields.length === 1 && fields[0]?.String?.sval === column;
}

function alterTableParts(n: any, ctx: SchemaContext): EffectPart[] {
  const table = relationName(n.relation);
  const fresh = ctx.isNewTable?.(table) ?? false;
  const parts: EffectPart[] = [];
  const add = (lock: LockMode, work: Work, what: string, on = table): void => void parts.push({ table: on, lock, work: fresh && on === table && work !== 'catalog' ? 'none' : work, what });
  for (const c of (n.cmds ?? []).map((x: any) => x.AlterTableCmd)) {
    switch (c?.subtype) {
      case 'AT_AddColumn': {
        const def = c.def?.ColumnDef ?? {};
        const type = typeNameOf(def.typeName);
        const constraints: any[] = (def.constraints ?? []).map((k: any) => k.Constraint);
        const dflt = constraints.find((k) => k?.contype === 'CONSTR_DEFAULT');
        const volatile = dflt ? findVolatileCall(dflt.raw_expr) : undefined;
        const generated = constraints.find((k) => k?.contype === 'CONSTR_GENERATED');
        if (SERIAL_TYPES.has(type)) add(AE, 'rewrite', `ADD COLUMN ${def.colname} ${type} fills every row from a sequence, rewriting the table`);
        else if (generated && isVirtual(generated)) add(AE, 'catalog', `ADD COLUMN ${def.colname} GENERATED … VIRTUAL is computed when read: a brief catalog change (PG18+)`);
        else if (generated) add(AE, 'rewrite', `ADD COLUMN ${def.colname} GENERATED … STORED computes every row, rewriting the table`);
        else if (constraints.some((k) => k?.contype === 'CONSTR_IDENTITY')) add(AE, 'rewrite', `ADD COLUMN ${def.colname} GENERATED AS IDENTITY fills every row, rewriting the table`);
        else if (volatile) add(AE, 'rewrite', `ADD COLUMN ${def.colname} DEFAULT ${volatile}() is volatile, so every row is rewritten`);
        else add(AE, 'catalog', `ADD COLUMN ${def.colname} ${type} is a brief catalog change (PG11+)`);
        constraints.forEach((k, i) => {
          // NOT ENFORCED (PG18+) follows the constraint it qualifies: nothing is checked, now or later.
          const enforced = constraints[i + 1]?.contype !== 'CONSTR_ATTR_NOT_ENFORCED';
          if (k?.contype === 'CONSTR_PRIMARY' || k?.contype === 'CONSTR_UNIQUE') add(AE, 'build', `ADD COLUMN … ${k.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE'} builds an index under ACCESS EXCLUSIVE`);
          if (k?.contype === 'CONSTR_FOREIGN') {
            if (!k.skip_validation && enforced) add(SRE, 'scan', `the new column's REFERENCES is checked by scanning ${table}`);
            parts.push({ table: relationName(k.pktable), lock: SRE, work: 'catalog', what: `the new column's REFERENCES${enforced ? '' : ' … NOT ENFORCED'} locks ${relationName(k.pktable)} against writes` });
          }
          if (k?.contype === 'CONSTR_CHECK' && !k.skip_validation && enforced) add(AE, 'scan', 'the new column\'s CHECK is checked against every existing row');
        });
        break;
      }
      case 'AT_AlterColumnType': {
        const def = c.def?.ColumnDef ?? {};
        const to = typeNameOf(def.typeName);
        const from = ctx.columnType?.(table, c.name);
        if (columnTypeChange(from, to, c.name, def.raw_default) === 'binary-coercible') add(AE, 'catalog', `ALTER COLUMN ${c.name} TYPE ${to} from ${from} is binary-coercible: catalog only`);
        else add(AE, 'rewrite', `ALTER COLUMN ${c.name} TYPE ${to}${from ? ` from ${from}` : ' (old type unknown)'} rewrites the table and its indexes`);
        break;
      }
      case 'AT_SetNotNull':
        add(AE, ...setNotNullWork(ctx, table, c.name, `SET NOT NULL on ${c.name}`));
        break;
      case 'AT_AddConstraint': {
        const k = c.def?.Constraint ?? {};
        const name = k.conname ? ` ${k.conname}` : '';
        switch (k.contype) {
          case 'CONSTR_NOTNULL': {
            const column: string = k.keys?.[0]?.String?.sval ?? '?';
            if (k.skip_validation) add(AE, 'catalog', `ADD CONSTRAINT${name} NOT NULL ${column} NOT VALID: catalog only (PG18+); new rows are checked, and VALIDATE CONSTRAINT scans later under SHARE UPDATE EXCLUSIVE`);
            else add(AE, ...setNotNullWork(ctx, table, column, `ADD CONSTRAINT${name} NOT NULL ${column}`));
            break;
          }
          case 'CONSTR_CHECK':
            if (isNotEnforcedForm(k)) add(AE, 'catalog', `ADD CONSTRAINT${name} CHECK … NOT ENFORCED: catalog only, rows are never checked (PG18+)`);
            else add(AE, k.skip_validation ? 'catalog' : 'scan', k.skip_validation ? `ADD CONSTRAINT${name} CHECK … NOT VALID: catalog only` : `ADD CONSTRAINT${name} CHECK scans every row under ACCESS EXCLUSIVE`);
            break;
          case 'CONSTR_FOREIGN': {
            const other = relationName(k.pktable);
            if (isNotEnforcedForm(k)) add(SRE, 'catalog', `ADD CONSTRAINT${name} FOREIGN KEY … NOT ENFORCED: catalog only, rows are never checked (PG18+)`);
            else add(SRE, k.skip_validation ? 'catalog' : 'scan', k.skip_validation ? `ADD CONSTRAINT${name} FOREIGN KEY … NOT VALID: catalog only` : `ADD CONSTRAINT${name} FOREIGN KEY scans every row, blocking writes`);
            parts.push({ table: other, lock: SRE, work: 'catalog', what: `FOREIGN KEY blocks writes to the referenced table ${other}` });
            break;
          }
          case 'CONSTR_PRIMARY':
          case 'CONSTR_UNIQUE': {
            const what = k.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
            const nullable = k.indexname && k.contype === 'CONSTR_PRIMARY' ? nullableKeyColumns(ctx, table, k.indexname) : [];
            if (k.indexname && nullable.length > 0) add(AE, 'scan', `ADD CONSTRAINT${name} ${what} USING INDEX ${k.indexname} sets ${nullable.join(', ')} NOT NULL, scanning the whole table under ACCESS EXCLUSIVE`);
            else if (k.indexname) add(AE, 'catalog', `ADD CONSTRAINT${name} ${what} USING INDEX ${k.indexname}: brief catalog change`);
            else add(AE, 'build', `ADD CONSTRAINT${name} ${what} builds an index under ACCESS EXCLUSIVE, blocking reads and writes`);
            break;
          }
          case 'CONSTR_EXCLUSION':
            add(AE, 'build', `ADD CONSTRAINT${name} EXCLUDE builds an index under ACCESS EXCLUSIVE`);
            break;
          default:
            add(AE, 'catalog', `ADD CONSTRAINT${name}`);
        }
        break;
      }
      case 'AT_AlterConstraint': {
        const a = c.def?.ATAlterConstraint ?? {};
        // Measured on PostgreSQL 18: ACCESS EXCLUSIVE on the table and on the referenced table.
        const other = { table: `the table referenced by ${a.conname}`, lock: AE } as const;
        if (a.alterEnforceability && a.is_enforced) {
          add(AE, 'scan', `ALTER CONSTRAINT ${a.conname} ENFORCED checks every row under ACCESS EXCLUSIVE, blocking reads and writes (PG18+)`);
          parts.push({ ...other, work: 'catalog', what: `ALTER CONSTRAINT ${a.conname} ENFORCED locks the referenced table too` });
        } else if (a.alterEnforceability) {
          add(AE, 'catalog', `ALTER CONSTRAINT ${a.conname} NOT ENFORCED: catalog only, rows are no longer checked (PG18+)`);
          parts.push({ ...other, work: 'catalog', what: `ALTER CONSTRAINT ${a.conname} NOT ENFORCED locks the referenced table too` });
        } else add(AE, 'catalog', `ALTER CONSTRAINT ${a.conname ?? ''}`.trimEnd());
        break;
      }
      case 'AT_ValidateConstraint':
        add(SUE, 'scan', `VALIDATE CONSTRAINT ${c.name} scans the table while reads and writes continue`);
        break;
      case 'AT_AttachPartition':
        if (n.objtype === 'OBJECT_INDEX') {
          add(SUE, 'catalog', `ALTER INDEX … ATTACH PARTITION ${relationName(c.def?.PartitionCmd?.name)}: catalog only`);
          break;
        }
        add(SUE, 'scan', `ATTACH PARTITION scans the partition unless a CHECK implies its bound`);
        parts.push({ table: relationName(c.def?.PartitionCmd?.name), lock: AE, work: 'scan', what: 'ATTACH PARTITION locks the partition being attached' });
        break;
      case 'AT_DetachPartition':
        if (c.def?.PartitionCmd?.concurrent) add(SUE, 'catalog', 'DETACH PARTITION CONCURRENTLY (PG14+) lets queries continue');
        else {
          add(AE, 'catalog', 'DETACH PARTITION takes ACCESS EXCLUSIVE on the parent and the partition');
          parts.push({ table: relationName(c.def?.PartitionCmd?.name), lock: AE, work: 'catalog', what: 'DETACH PARTITION locks the partition being detached' });
        }
        break;
      case 'AT_DetachPartitionFinalize':
        add(SUE, 'catalog', 'DETACH PARTITION … FINALIZE');
        break;
      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
        add(AE, 'rewrite', `SET ${c.subtype === 'AT_SetLogged' ? 'LOGGED' : 'UNLOGGED'} rewrites the table under ACCESS EXCLUSIVE`);
        break;
      case 'AT_SetTableSpace':
        add(AE, 'rewrite', 'SET TABLESPACE copies the table under ACCESS EXCLUSIVE');
        break;
      case 'AT_SetStatistics':
      case 'AT_SetRelOptions':
      case 'AT_ResetRelOptions':
      case 'AT_ClusterOn':
      case 'AT_DropCluster':
        add(SUE, 'catalog', String(c.subtype).replace('AT_', ''));
        break;
      case 'AT_EnableTrig':
      case 'AT_DisableTrig':
      case 'AT_EnableTrigAll':
      case 'AT_DisableTrigAll':
      case 'AT_EnableTrigUser':
      case 'AT_DisableTrigUser':
      case 'AT_EnableAlwaysTrig':
      case 'AT_EnableReplicaTrig':
        add(SRE, 'catalog', String(c.subtype).replace('AT_', ''));
        break;
      case 'AT_DropColumn':
        add(AE, 'catalog', `DROP COLUMN ${c.name} removes the column (and its data) for every client`);
        break;
      default:
        add(AE, 'catalog', String(c?.subtype ?? 'ALTER TABLE').replace('AT_', ''));
    }
  }
  return parts;
}

/** SET NOT NULL and ADD CONSTRAINT … NOT NULL (PG18+) prove the column holds no NULL: a scan unless something proves it already. */
function setNotNullWork(ctx: SchemaContext, table: string, column: string, what: string): [Work, string] {
  const proof = notNullProof(ctx, table, column);
  if (proof === 'not-null') return ['catalog', `${what}, which is NOT NULL already: no scan`];
  if (proof === 'check') return ['catalog', `${what} uses the validated CHECK (${column} IS NOT NULL): no scan`];
  return ['scan', `${what} scans the whole table under ACCESS EXCLUSIVE`];
}

/**
 * A generated column computed when read (PG18+): `VIRTUAL`, or no keyword, which means VIRTUAL
 * from 18 on (before 18 the grammar required STORED).
 */
export function isVirtual(generated: { generated_kind?: string }): boolean {
  return generated.generated_kind === 'v';
}

/**
 * A table CHECK or FOREIGN KEY written NOT ENFORCED (PG18+): the parser marks every enforced table
 * constraint `is_enforced` and a NOT ENFORCED one `skip_validation` without it.
 */
export function isNotEnforcedForm(k: { contype?: string; is_enforced?: boolean; skip_validation?: boolean }): boolean {
  return (k.contype === 'CONSTR_CHECK' || k.contype === 'CONSTR_FOREIGN') && k.is_enforced !== true && k.skip_validation === true;
}

/**
 * The key columns of the index that ADD PRIMARY KEY USING INDEX would have to make NOT NULL (a
 * scan of the table, unless a validated CHECK (col IS NOT NULL) proves it). Only columns known to
 * be nullable: an unknown index or column gives none.
 */
export function nullableKeyColumns(ctx: SchemaContext, table: string, index: string): string[] {
  return (ctx.indexColumns?.(indexInSchemaOf(table, index)) ?? []).filter((c) => ctx.isNotNull?.(table, c) === false && !ctx.hasNotNullCheck?.(table, c));
}

/** An index named in `ALTER TABLE t … USING INDEX i` lives in t's schema. */
export function indexInSchemaOf(table: string, index: string): string {
  const dot = table.indexOf('.');
  return dot === -1 ? index : `${table.slice(0, dot)}.${index}`;
}

/**
 * Whether ALTER COLUMN `column` TYPE `to` (with `using`, the parse tree's raw_default) keeps the
 * table, or why it rewrites it: the same judgement describeEffect makes for the plan. `from` is the
 * column's current type, undefined when not known.
 */
export function columnTypeChange(from: string | undefined, to: string, column: string, using: unknown): 'binary-coercible' | 'old-type-unknown' | 'using-expression' | 'not-binary-coercible' {
  if (from === undefined) return 'old-type-unknown';
  if (!usingIsPlain(using, column, to)) return 'using-expression';
  return isBinaryCoercible(from, to) ? 'binary-coercible' : 'not-binary-coercible';
}

/**
 * What already proves a column holds no NULL, so that SET NOT NULL (or ADD CONSTRAINT … NOT NULL)
 * skips its scan: the column is NOT NULL already, or a validated CHECK (col IS NOT NULL) exists.
 * Undefined when nothing does.
 */
export function notNullProof(ctx: SchemaContext, table: string, column: string): 'not-null' | 'check' | undefined {
  if (ctx.isNotNull?.(table, column) === true) return 'not-null';
  if (ctx.hasNotNullCheck?.(table, column)) return 'check';
  return undefined;
}
