import type { ParsedStatement } from '../sql/parse.ts';
import { SERIAL_TYPES, indexInSchemaOf, relationName, typeNameOf, type SchemaContext } from '../sql/effects.ts';
import { alterTableCommands, columnConstraints, droppedObjects, notNullConstraintName, nullTestColumn } from './ast.ts';
import type { SchemaView, TableSize } from './types.ts';

/**
 * The schema as the linter knows it just before each statement: seeded from the database when one
 * is given, then changed statement by statement in the order the migrations run. Tables created by
 * the statements being linted are "new": empty and unseen by clients, so lock rules leave them alone.
 */

interface CheckState {
  /** The column of a `CHECK (column IS NOT NULL)`; undefined for other or unknown expressions. */
  column?: string;
  /** False for a constraint only seen validated, whose expression was written in an earlier release. */
  known: boolean;
  validated: boolean;
  /** A NOT NULL constraint (PG18+) on `column`: once validated, the column is NOT NULL. */
  notNull?: boolean;
}

export interface TableState {
  isNew: boolean;
  partitioned: boolean;
  columns: Map<string, string>;
  /** Columns known to be NOT NULL (declared so, a primary key's, identity, serial). */
  notNull: Set<string>;
  checks: Map<string, CheckState>;
  size?: TableSize;
}

/** What the database says, read once (see database.ts). Keys are table names, `public.` left off. */
export interface DatabaseSchema {
  readonly tables: ReadonlyMap<string, Omit<TableState, 'isNew'>>;
  readonly indexes: ReadonlyMap<string, string>;
  /** Each index's key columns, in order; absent for an index on an expression. */
  readonly indexColumns?: ReadonlyMap<string, readonly string[]>;
  readonly schemas: ReadonlySet<string>;
}

/** `public.users` and `users` are the same table to the linter (the default search_path). */
export function tableKey(name: string): string {
  return name.startsWith('public.') ? name.slice('public.'.length) : name;
}

function schemaOf(key: string): string | undefined {
  const dot = key.indexOf('.');
  return dot === -1 ? undefined : key.slice(0, dot);
}

/** A table with no known column, constraint or size. */
export function emptyTable(partitioned: boolean): Omit<TableState, 'isNew'> {
  return { partitioned, columns: new Map(), notNull: new Set(), checks: new Map() };
}

/**
 * A map over a shared, read-only base (what the database said) with local changes on top, so that
 * each linted unit gets its own view of a large schema without copying it.
 */
class LayeredMap<V> {
  private base: ReadonlyMap<string, V>;
  private readonly local = new Map<string, V>();
  private readonly deleted = new Set<string>();

  constructor(base: ReadonlyMap<string, V> = new Map()) {
    this.base = base;
  }

  get(key: string): V | undefined {
    return this.local.get(key) ?? (this.deleted.has(key) ? undefined : this.base.get(key));
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** True when the value is the base's own (copy it before changing it). */
  isShared(key: string): boolean {
    return !this.local.has(key) && this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    this.local.set(key, value);
    this.deleted.delete(key);
  }

  delete(key: string): void {
    this.local.delete(key);
    this.deleted.add(key);
  }

  keys(): string[] {
    return [...new Set([...this.base.keys(), ...this.local.keys()])].filter((k) => this.has(k));
  }

  clone(copy: (v: V) => V): LayeredMap<V> {
    const c = new LayeredMap<V>(this.base);
    for (const [k, v] of this.local) c.local.set(k, copy(v));
    for (const k of this.deleted) c.deleted.add(k);
    return c;
  }

  /** A new base wins over every local change to its keys. */
  rebase(base: ReadonlyMap<string, V>): void {
    for (const k of base.keys()) {
      this.local.delete(k);
      this.deleted.delete(k);
    }
    for (const [k, v] of this.base) if (!base.has(k) && !this.local.has(k) && !this.deleted.has(k)) this.local.set(k, v);
    this.base = base;
  }
}

type DatabaseTable = Omit<TableState, 'isNew'>;

export class SchemaTracker implements SchemaView, SchemaContext {
  private tables: LayeredMap<TableState>;
  private indexes: LayeredMap<string>;
  private indexColumnsOf: LayeredMap<readonly string[]>;
  private readonly newSchemas: Set<string>;
  private readonly knownSchemas: Set<string>;

  constructor(db?: DatabaseSchema) {
    this.tables = new LayeredMap(db ? existingTables(db) : undefined);
    this.indexes = new LayeredMap(db?.indexes);
    this.indexColumnsOf = new LayeredMap(db?.indexColumns);
    this.newSchemas = new Set();
    this.knownSchemas = new Set(db?.schemas ?? []);
  }

  clone(): SchemaTracker {
    const c = new SchemaTracker();
    c.tables = this.tables.clone(copyTable);
    c.indexes = this.indexes.clone((v) => v);
    c.indexColumnsOf = this.indexColumnsOf.clone((v) => v);
    for (const s of this.newSchemas) c.newSchemas.add(s);
    for (const s of this.knownSchemas) c.knownSchemas.add(s);
    return c;
  }

  /**
   * Replaces what replaying applied migrations guessed with what the database says: it is the
   * truth for every table it holds.
   */
  overlay(db: DatabaseSchema): void {
    this.tables.rebase(existingTables(db));
    this.indexes.rebase(db.indexes);
    this.indexColumnsOf.rebase(db.indexColumns ?? new Map());
    for (const s of db.schemas) this.knownSchemas.add(s);
  }

  /** The table's state, copied out of the shared base first so that changing it changes only this tracker. */
  private writable(key: string): TableState | undefined {
    const t = this.tables.get(key);
    if (t && this.tables.isShared(key)) {
      const own = copyTable(t);
      this.tables.set(key, own);
      return own;
    }
    return t;
  }

  isNewTable(table: string): boolean {
    return this.tables.get(tableKey(table))?.isNew ?? false;
  }

  isNewSchema(schema: string): boolean {
    return this.newSchemas.has(schema);
  }

  columnType(table: string, column: string): string | undefined {
    return this.tables.get(tableKey(table))?.columns.get(column);
  }

  /** True or false when the column is known, undefined when it is not. */
  isNotNull(table: string, column: string): boolean | undefined {
    const t = this.tables.get(tableKey(table));
    return t?.columns.has(column) ? t.notNull.has(column) : undefined;
  }

  indexColumns(index: string): readonly string[] | undefined {
    return this.indexColumnsOf.get(tableKey(index));
  }

  hasNotNullCheck(table: string, column: string): boolean {
    const checks = this.tables.get(tableKey(table))?.checks;
    if (!checks) return false;
    for (const [name, check] of checks) {
      if (!check.validated) continue;
      if (check.column === column) return true;
      // A constraint validated here whose expression lives in an earlier release: trust a name that says so.
      if (!check.known && name.toLowerCase().includes(column.toLowerCase())) return true;
    }
    return false;
  }

  isPartitioned(table: string): boolean {
    return this.tables.get(tableKey(table))?.partitioned ?? false;
  }

  indexTable(index: string): string | undefined {
    return this.indexes.get(tableKey(index));
  }

  tableSize(table: string): TableSize | undefined {
    return this.tables.get(tableKey(table))?.size;
  }

  /**
   * The view `describeEffect` takes, so the plan and the linter judge with the same facts: the
   * tracker itself, which answers every SchemaContext question (the linter passes it directly).
   */
  effectContext(): SchemaContext {
    return this;
  }

  /**
   * Records what a statement changes. `pending`: the statement is being linted (its new tables are
   * new); otherwise it ran in an already-applied migration (its tables exist and may hold rows).
   */
  apply(stmt: Pick<ParsedStatement, 'kind' | 'node'>, pending: boolean): void {
    const n = stmt.node;
    switch (stmt.kind) {
      case 'CreateStmt': {
        const key = tableKey(relationName(n.relation));
        if (n.if_not_exists && this.tables.has(key)) return;
        const table: TableState = { isNew: pending, ...emptyTable(n.partspec !== undefined) };
        for (const elt of n.tableElts ?? []) {
          if (elt.ColumnDef) this.addColumn(table, elt.ColumnDef);
          else if (elt.TableLikeClause) {
            const like = this.tables.get(tableKey(relationName(elt.TableLikeClause.relation)));
            for (const [c, t] of like?.columns ?? []) table.columns.set(c, t);
            for (const c of like?.notNull ?? []) table.notNull.add(c);
          }
        }
        // Table constraints after every column: PRIMARY KEY (id) may come before id is declared.
        for (const elt of n.tableElts ?? []) if (elt.Constraint) this.addConstraint(table, elt.Constraint, key);
        this.tables.set(key, table);
        return;
      }
      case 'CreateTableAsStmt': {
        const key = tableKey(relationName(n.into?.rel));
        if (n.if_not_exists && this.tables.has(key)) return;
        this.tables.set(key, { isNew: pending, ...emptyTable(false) });
        return;
      }
      case 'CreateSchemaStmt':
        if (n.schemaname && !(n.if_not_exists && this.knownSchemas.has(n.schemaname))) {
          this.knownSchemas.add(n.schemaname);
          if (pending) this.newSchemas.add(n.schemaname);
        }
        return;
      case 'IndexStmt': {
        if (!n.idxname) return;
        const table = tableKey(relationName(n.relation));
        const index = indexInSchemaOf(table, n.idxname);
        this.indexes.set(index, table);
        const columns = (n.indexParams ?? []).map((p: any) => p.IndexElem?.name);
        if (columns.every((c: unknown) => typeof c === 'string')) this.indexColumnsOf.set(index, columns);
        else this.indexColumnsOf.delete(index);
        return;
      }
      case 'AlterTableStmt':
        this.alterTable(stmt);
        return;
      case 'RenameStmt':
        this.rename(n);
        return;
      case 'DropStmt':
        for (const object of droppedObjects(n)) {
          const name = tableKey(object);
          if (n.removeType === 'OBJECT_TABLE' || n.removeType === 'OBJECT_MATVIEW') this.tables.delete(name);
          else if (n.removeType === 'OBJECT_INDEX') {
            this.indexes.delete(name);
            this.indexColumnsOf.delete(name);
          }
          else if (n.removeType === 'OBJECT_SCHEMA') {
            this.newSchemas.delete(name);
            this.knownSchemas.delete(name);
            for (const key of this.tables.keys()) if (schemaOf(key) === name) this.tables.delete(key);
          }
        }
        return;
      default:
        return;
    }
  }

  private addColumn(table: TableState, def: any): void {
    if (!def.colname) return;
    const type = typeNameOf(def.typeName);
    table.columns.set(def.colname, type);
    table.notNull.delete(def.colname);
    if (SERIAL_TYPES.has(type)) table.notNull.add(def.colname);
    for (const k of columnConstraints(def)) {
      if (k?.contype === 'CONSTR_CHECK') this.addConstraint(table, k, undefined, def.colname);
      if (k?.contype === 'CONSTR_NOTNULL' || k?.contype === 'CONSTR_PRIMARY' || k?.contype === 'CONSTR_IDENTITY') table.notNull.add(def.colname);
    }
  }

  private addConstraint(table: TableState, k: any, key?: string, onColumn?: string): void {
    if (k.contype === 'CONSTR_PRIMARY') {
      const keys: unknown[] = k.indexname
        ? [...(this.indexColumnsOf.get(indexInSchemaOf(key ?? '', k.indexname)) ?? [])]
        : (k.keys ?? []).map((x: any) => x.String?.sval);
      for (const c of keys) if (typeof c === 'string') table.notNull.add(c);
      return;
    }
    if (k.contype === 'CONSTR_NOTNULL') {
      const column: unknown = k.keys?.[0]?.String?.sval;
      if (typeof column !== 'string') return;
      if (!k.skip_validation) table.notNull.add(column);
      else table.checks.set(k.conname ?? notNullConstraintName(key ?? '', column), { column, known: true, validated: false, notNull: true });
      return;
    }
    if (k.contype !== 'CONSTR_CHECK') return;
    const column = nullTestColumn(k.raw_expr, 'IS_NOT_NULL');
    const name = k.conname ?? `${onColumn ?? column ?? 'check'}_check_${table.checks.size}`;
    table.checks.set(name, { ...(column !== undefined && { column }), known: true, validated: !k.skip_validation });
  }

  private alterTable(stmt: Pick<ParsedStatement, 'kind' | 'node'>): void {
    const alter = alterTableCommands(stmt);
    if (!alter) return;
    const key = tableKey(alter.table);
    let table = this.writable(key);
    if (!table) {
      // An existing table the linter has not seen: remember what the migrations tell about it.
      table = { isNew: false, ...emptyTable(false) };
      this.tables.set(key, table);
    }
    for (const c of alter.commands) {
      switch (c.subtype) {
        case 'AT_AddColumn':
          this.addColumn(table, c.def?.ColumnDef ?? {});
          break;
        case 'AT_AlterColumnType':
          if (c.name) table.columns.set(c.name, typeNameOf(c.def?.ColumnDef?.typeName));
          break;
        case 'AT_DropColumn':
          if (c.name) {
            table.columns.delete(c.name);
            table.notNull.delete(c.name);
          }
          break;
        case 'AT_SetNotNull':
          if (c.name) table.notNull.add(c.name);
          break;
        case 'AT_DropNotNull':
          if (c.name) table.notNull.delete(c.name);
          break;
        case 'AT_AddConstraint':
          if (c.def?.Constraint) this.addConstraint(table, c.def.Constraint, key);
          break;
        case 'AT_ValidateConstraint': {
          const existing = c.name !== undefined ? table.checks.get(c.name) : undefined;
          if (existing) {
            existing.validated = true;
            if (existing.notNull && existing.column !== undefined) table.notNull.add(existing.column);
          } else if (c.name) {
            table.checks.set(c.name, { known: false, validated: true });
          }
          break;
        }
        case 'AT_DropConstraint': {
          const dropped = c.name ? table.checks.get(c.name) : undefined;
          if (dropped?.notNull && dropped.column !== undefined) table.notNull.delete(dropped.column);
          if (c.name) table.checks.delete(c.name);
          break;
        }
        default:
          break;
      }
    }
  }

  private rename(n: any): void {
    const key = tableKey(relationName(n.relation));
    switch (n.renameType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_MATVIEW': {
        const table = this.writable(key);
        if (!table) return;
        this.tables.delete(key);
        // The renamed table stays in its schema, like an index.
        this.tables.set(indexInSchemaOf(key, n.newname), table);
        return;
      }
      case 'OBJECT_COLUMN': {
        const columns = this.writable(key)?.columns;
        const type = columns?.get(n.subname);
        if (columns && type !== undefined) {
          columns.delete(n.subname);
          columns.set(n.newname, type);
          const notNull = this.writable(key)!.notNull;
          if (notNull.delete(n.subname)) notNull.add(n.newname);
          for (const index of this.indexColumnsOf.keys()) {
            const columns = this.indexColumnsOf.get(index);
            if (this.indexes.get(index) === key && columns?.includes(n.subname)) {
              this.indexColumnsOf.set(index, columns.map((c) => (c === n.subname ? n.newname : c)));
            }
          }
        }
        return;
      }
      case 'OBJECT_TABCONSTRAINT': {
        const checks = this.writable(key)?.checks;
        const check = checks?.get(n.subname);
        if (checks && check) {
          checks.delete(n.subname);
          checks.set(n.newname, check);
        }
        return;
      }
      case 'OBJECT_INDEX': {
        const table = this.indexes.get(key);
        if (table === undefined) return;
        this.indexes.delete(key);
        const renamed = indexInSchemaOf(key, n.newname);
        this.indexes.set(renamed, table);
        const columns = this.indexColumnsOf.get(key);
        this.indexColumnsOf.delete(key);
        if (columns) this.indexColumnsOf.set(renamed, columns);
        return;
      }
      default:
        return;
    }
  }
}

/** The database's tables as existing (not new) table states, shared by every tracker built on it. */
const existingCache = new WeakMap<DatabaseSchema, ReadonlyMap<string, TableState>>();
function existingTables(db: DatabaseSchema): ReadonlyMap<string, TableState> {
  let tables = existingCache.get(db);
  if (!tables) {
    tables = new Map([...db.tables].map(([k, t]: [string, DatabaseTable]) => [k, { ...t, isNew: false }]));
    existingCache.set(db, tables);
  }
  return tables;
}

function copyTable(t: TableState): TableState {
  return {
    isNew: t.isNew,
    partitioned: t.partitioned,
    columns: new Map(t.columns),
    notNull: new Set(t.notNull),
    checks: new Map([...t.checks].map(([k, v]) => [k, { ...v }])),
    ...(t.size && { size: t.size }),
  };
}
