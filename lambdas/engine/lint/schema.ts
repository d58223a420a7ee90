import type { ParsedStatement } from '../sql/parse.ts';
import { relationName, typeNameOf, type SchemaContext } from '../sql/effects.ts';
import type { SchemaView, TableSize } from './types.ts';

/**
 * The schema as the linter knows it just before each statement: seeded from the database when one
 * is given, then changed statement by statement in the order the migrations run. Tables created by
 * the statements being linted are "new": empty and unseen by clients, so lock rules leave them alone.
 */

interface CheckState {
  /** The column of a `CHECK (column IS NOT NULL)`; undefined for other or unknown expressions. */
  column?: string;
  validated: boolean;
}

export interface TableState {
  isNew: boolean;
  partitioned: boolean;
  columns: Map<string, string>;
  checks: Map<string, CheckState>;
  size?: TableSize;
}

/** What the database says, read once (see database.ts). Keys are table names, `public.` left off. */
export interface DatabaseSchema {
  readonly tables: ReadonlyMap<string, Omit<TableState, 'isNew'>>;
  readonly indexes: ReadonlyMap<string, string>;
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

function names(list: any[] | undefined): string {
  return (list ?? []).map((n: any) => n.String?.sval).filter(Boolean).join('.');
}

/** The column a `col IS NOT NULL` expression tests, if that is all it is. */
export function notNullColumn(expr: any): string | undefined {
  const test = expr?.NullTest;
  if (!test || test.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields: any[] = test.arg?.ColumnRef?.fields ?? [];
  return fields.length === 1 ? fields[0]?.String?.sval : undefined;
}

export class SchemaTracker implements SchemaView {
  private readonly tables: Map<string, TableState>;
  private readonly indexes: Map<string, string>;
  private readonly newSchemas: Set<string>;
  private readonly knownSchemas: Set<string>;
  readonly fromDatabase: boolean;

  constructor(db?: DatabaseSchema) {
    this.tables = new Map();
    this.indexes = new Map(db?.indexes ?? []);
    this.newSchemas = new Set();
    this.knownSchemas = new Set(db?.schemas ?? []);
    this.fromDatabase = db !== undefined;
    if (db) for (const [key, t] of db.tables) this.tables.set(key, copyTable({ ...t, isNew: false }));
  }

  clone(): SchemaTracker {
    const c = new SchemaTracker();
    for (const [k, t] of this.tables) c.tables.set(k, copyTable(t));
    for (const [k, v] of this.indexes) c.indexes.set(k, v);
    for (const s of this.newSchemas) c.newSchemas.add(s);
    for (const s of this.knownSchemas) c.knownSchemas.add(s);
    (c as { fromDatabase: boolean }).fromDatabase = this.fromDatabase;
    return c;
  }

  /**
   * Replaces what replaying applied migrations guessed with what the database says: it is the
   * truth for every table it holds.
   */
  overlay(db: DatabaseSchema): void {
    for (const [key, t] of db.tables) this.tables.set(key, copyTable({ ...t, isNew: false }));
    for (const [k, v] of db.indexes) this.indexes.set(k, v);
    for (const s of db.schemas) this.knownSchemas.add(s);
    (this as { fromDatabase: boolean }).fromDatabase = true;
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

  hasNotNullCheck(table: string, column: string): boolean {
    const checks = this.tables.get(tableKey(table))?.checks;
    if (!checks) return false;
    for (const [name, check] of checks) {
      if (!check.validated) continue;
      if (check.column === column) return true;
      // A constraint validated here whose expression lives in an earlier release: trust a name that says so.
      if (check.column === undefined && name.toLowerCase().includes(column.toLowerCase())) return true;
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

  knowsTable(table: string): boolean {
    return this.tables.has(tableKey(table));
  }

  /** The view `describeEffect` takes, so the plan and the linter judge with the same facts. */
  effectContext(): SchemaContext {
    return {
      isNewTable: (t) => this.isNewTable(t),
      columnType: (t, c) => this.columnType(t, c),
      hasNotNullCheck: (t, c) => this.hasNotNullCheck(t, c),
      indexTable: (i) => this.indexTable(i),
    };
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
        const table: TableState = { isNew: pending, partitioned: n.partspec !== undefined, columns: new Map(), checks: new Map() };
        for (const elt of n.tableElts ?? []) {
          if (elt.ColumnDef) this.addColumn(table, elt.ColumnDef);
          else if (elt.Constraint) this.addConstraint(table, elt.Constraint);
          else if (elt.TableLikeClause) {
            const like = this.tables.get(tableKey(relationName(elt.TableLikeClause.relation)));
            for (const [c, t] of like?.columns ?? []) table.columns.set(c, t);
          }
        }
        this.tables.set(key, table);
        return;
      }
      case 'CreateTableAsStmt': {
        const key = tableKey(relationName(n.into?.rel));
        if (n.if_not_exists && this.tables.has(key)) return;
        this.tables.set(key, { isNew: pending, partitioned: false, columns: new Map(), checks: new Map() });
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
        const schema = schemaOf(table);
        this.indexes.set(schema ? `${schema}.${n.idxname}` : n.idxname, table);
        return;
      }
      case 'AlterTableStmt':
        this.alterTable(n);
        return;
      case 'RenameStmt':
        this.rename(n);
        return;
      case 'DropStmt':
        for (const o of n.objects ?? []) {
          const name = tableKey(o.List ? names(o.List.items) : (o.String?.sval ?? ''));
          if (n.removeType === 'OBJECT_TABLE' || n.removeType === 'OBJECT_MATVIEW') this.tables.delete(name);
          else if (n.removeType === 'OBJECT_INDEX') this.indexes.delete(name);
          else if (n.removeType === 'OBJECT_SCHEMA') {
            this.newSchemas.delete(name);
            this.knownSchemas.delete(name);
            for (const key of [...this.tables.keys()]) if (schemaOf(key) === name) this.tables.delete(key);
          }
        }
        return;
      default:
        return;
    }
  }

  private addColumn(table: TableState, def: any): void {
    if (!def.colname) return;
    table.columns.set(def.colname, typeNameOf(def.typeName));
    for (const k of (def.constraints ?? []).map((c: any) => c.Constraint)) {
      if (k?.contype === 'CONSTR_CHECK') this.addConstraint(table, k, def.colname);
    }
  }

  private addConstraint(table: TableState, k: any, onColumn?: string): void {
    if (k.contype !== 'CONSTR_CHECK') return;
    const column = notNullColumn(k.raw_expr);
    const name = k.conname ?? `${onColumn ?? column ?? 'check'}_check_${table.checks.size}`;
    table.checks.set(name, { ...(column !== undefined && { column }), validated: !k.skip_validation });
  }

  private alterTable(n: any): void {
    if (n.objtype !== undefined && n.objtype !== 'OBJECT_TABLE') return;
    const key = tableKey(relationName(n.relation));
    let table = this.tables.get(key);
    if (!table) {
      // An existing table the linter has not seen: remember what the migrations tell about it.
      table = { isNew: false, partitioned: false, columns: new Map(), checks: new Map() };
      this.tables.set(key, table);
    }
    for (const c of (n.cmds ?? []).map((x: any) => x.AlterTableCmd)) {
      switch (c?.subtype) {
        case 'AT_AddColumn':
          this.addColumn(table, c.def?.ColumnDef ?? {});
          break;
        case 'AT_AlterColumnType':
          if (c.name) table.columns.set(c.name, typeNameOf(c.def?.ColumnDef?.typeName));
          break;
        case 'AT_DropColumn':
          if (c.name) table.columns.delete(c.name);
          break;
        case 'AT_AddConstraint':
          if (c.def?.Constraint) this.addConstraint(table, c.def.Constraint);
          break;
        case 'AT_ValidateConstraint': {
          const existing = table.checks.get(c.name);
          if (existing) existing.validated = true;
          else if (c.name) table.checks.set(c.name, { validated: true });
          break;
        }
        case 'AT_DropConstraint':
          if (c.name) table.checks.delete(c.name);
          break;
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
        const table = this.tables.get(key);
        if (!table) return;
        this.tables.delete(key);
        const schema = schemaOf(key);
        this.tables.set(schema ? `${schema}.${n.newname}` : n.newname, table);
        return;
      }
      case 'OBJECT_COLUMN': {
        const columns = this.tables.get(key)?.columns;
        const type = columns?.get(n.subname);
        if (columns && type !== undefined) {
          columns.delete(n.subname);
          columns.set(n.newname, type);
        }
        return;
      }
      case 'OBJECT_TABCONSTRAINT': {
        const checks = this.tables.get(key)?.checks;
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
        const schema = schemaOf(key);
        this.indexes.set(schema ? `${schema}.${n.newname}` : n.newname, table);
        return;
      }
      default:
        return;
    }
  }
}

function copyTable(t: TableState): TableState {
  return {
    isNew: t.isNew,
    partitioned: t.partitioned,
    columns: new Map(t.columns),
    checks: new Map([...t.checks].map(([k, v]) => [k, { ...v }])),
    ...(t.size && { size: t.size }),
  };
}
