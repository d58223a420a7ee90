import { relationName } from '../sql/effects.ts';
import type { ParsedStatement } from '../sql/parse.ts';

/** Small readers over libpg_query parse trees that several rules share. */

export interface AlterCommand {
  readonly subtype: string;
  readonly name?: string;
  readonly def?: any;
}

/** The commands of an `ALTER TABLE` on a table (not an index, view or sequence), with the table's name. */
export function alterTableCommands(stmt: Pick<ParsedStatement, 'kind' | 'node'>): { table: string; commands: AlterCommand[] } | undefined {
  if (stmt.kind !== 'AlterTableStmt') return undefined;
  const n = stmt.node;
  if (n.objtype !== undefined && n.objtype !== 'OBJECT_TABLE') return undefined;
  return memo(alterMemo, n, () => ({ table: relationName(n.relation), commands: (n.cmds ?? []).map((c: any) => c.AlterTableCmd).filter(Boolean) }));
}

/**
 * The ALTER TABLE's commands when its table already exists. A table created earlier in the run is
 * new and empty, so what an ALTER does to it blocks and rewrites nothing: the table rules skip it.
 */
export function alterOfExistingTable(
  stmt: Pick<ParsedStatement, 'kind' | 'node'>,
  schema: { isNewTable(table: string): boolean },
): { table: string; commands: AlterCommand[] } | undefined {
  const alter = alterTableCommands(stmt);
  return alter && !schema.isNewTable(alter.table) ? alter : undefined;
}

/**
 * The columns an ALTER TABLE … ADD COLUMN adds to a table that already exists: the twin of
 * alterOfExistingTable (a new table is empty, so adding a column to it rewrites and blocks nothing).
 */
export function columnsAddedToExistingTable(
  stmt: Pick<ParsedStatement, 'kind' | 'node'>,
  schema: { isNewTable(table: string): boolean },
): Array<{ table: string; def: any; created: boolean }> {
  return addedColumns(stmt).filter((c) => !c.created && !schema.isNewTable(c.table));
}

// Many rules ask the same questions of one statement; answer each once per parse tree.
const alterMemo = new WeakMap<object, { table: string; commands: AlterCommand[] }>();
const columnsMemo = new WeakMap<object, Array<{ table: string; def: any; created: boolean }>>();
const constraintsMemo = new WeakMap<object, AddedConstraint[]>();

export function memo<T>(cache: WeakMap<object, T>, key: object, compute: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = compute();
    cache.set(key, value);
  }
  return value;
}

/**
 * A column definition's constraints. A CHECK or REFERENCES written NOT ENFORCED (PG18+) checks no
 * row, ever, so it is left out; the NOT ENFORCED / ENFORCED markers themselves too.
 */
export function columnConstraints(def: any): any[] {
  const all: any[] = (def?.constraints ?? []).map((c: any) => c.Constraint).filter(Boolean);
  return all.filter((k, i) => k.contype !== 'CONSTR_ATTR_NOT_ENFORCED' && k.contype !== 'CONSTR_ATTR_ENFORCED' && all[i + 1]?.contype !== 'CONSTR_ATTR_NOT_ENFORCED');
}

/** The column definitions a statement adds: CREATE TABLE columns and ALTER TABLE … ADD COLUMN. */
export function addedColumns(stmt: Pick<ParsedStatement, 'kind' | 'node'>): Array<{ table: string; def: any; created: boolean }> {
  if (stmt.kind !== 'CreateStmt' && stmt.kind !== 'AlterTableStmt') return [];
  return memo(columnsMemo, stmt.node, () => computeAddedColumns(stmt));
}

function computeAddedColumns(stmt: Pick<ParsedStatement, 'kind' | 'node'>): Array<{ table: string; def: any; created: boolean }> {
  if (stmt.kind === 'CreateStmt') {
    const table = relationName(stmt.node.relation);
    return (stmt.node.tableElts ?? []).filter((e: any) => e.ColumnDef).map((e: any) => ({ table, def: e.ColumnDef, created: true }));
  }
  const alter = alterTableCommands(stmt);
  if (!alter) return [];
  return alter.commands.filter((c) => c.subtype === 'AT_AddColumn' && c.def?.ColumnDef).map((c) => ({ table: alter.table, def: c.def.ColumnDef, created: false }));
}

/** A constraint an ALTER TABLE adds; `column` is set when it is written inline on ADD COLUMN. */
export interface AddedConstraint {
  readonly k: any;
  readonly column?: string;
}

/**
 * The constraints an ALTER TABLE on a table adds, in command order: ADD CONSTRAINT, and those written
 * on ADD COLUMN (without the NOT ENFORCED ones, see columnConstraints).
 */
export function addedConstraints(stmt: Pick<ParsedStatement, 'kind' | 'node'>): AddedConstraint[] {
  const alter = alterTableCommands(stmt);
  if (!alter) return [];
  return memo(constraintsMemo, stmt.node, () =>
    alter.commands.flatMap((c): AddedConstraint[] => {
      if (c.subtype === 'AT_AddConstraint') return c.def?.Constraint ? [{ k: c.def.Constraint }] : [];
      if (c.subtype === 'AT_AddColumn' && c.def?.ColumnDef) return columnConstraints(c.def.ColumnDef).map((k) => ({ k, column: c.def.ColumnDef.colname }));
      return [];
    }),
  );
}

/** A constraint's name followed by a space, or nothing when it has none: `ADD CONSTRAINT ${constraintLabel(k)}CHECK`. */
export function constraintLabel(k: { conname?: string }): string {
  return k.conname ? `${k.conname} ` : '';
}

/**
 * The name PostgreSQL gives a NOT NULL constraint written without one: `<table>_<column>_not_null`,
 * with the table's own name (its schema left off).
 */
export function notNullConstraintName(table: string, column: string): string {
  return `${table.slice(table.indexOf('.') + 1)}_${column}_not_null`;
}

/** Names as written in a list of String nodes, dot-joined. */
export function dottedName(list: any[] | undefined): string {
  return (list ?? []).map((n: any) => n.String?.sval).filter(Boolean).join('.');
}

/** Names of the objects of a DROP statement (`schema.name` when qualified). */
export function droppedObjects(node: any): string[] {
  return (node.objects ?? []).map((o: any) => (o.List ? dottedName(o.List.items) : (o.String?.sval ?? '?')));
}

/** The column of a bare `col IS NULL` (`IS_NULL`) or `col IS NOT NULL` (`IS_NOT_NULL`) expression. */
export function nullTestColumn(expr: any, kind: 'IS_NULL' | 'IS_NOT_NULL'): string | undefined {
  const test = expr?.NullTest;
  const fields: any[] = test?.arg?.ColumnRef?.fields ?? [];
  return test?.nulltesttype === kind && fields.length === 1 ? fields[0]?.String?.sval : undefined;
}

/** A WHERE made only of column = column comparisons (ANDed): a join condition, which bounds no range of rows. */
export function isJoinOnly(expr: any): boolean {
  const arms: any[] = expr?.BoolExpr?.boolop === 'AND_EXPR' ? expr.BoolExpr.args : [expr];
  return arms.every((arm) => {
    const e = arm?.A_Expr;
    return e?.kind === 'AEXPR_OP' && e.lexpr?.ColumnRef !== undefined && e.rexpr?.ColumnRef !== undefined;
  });
}
