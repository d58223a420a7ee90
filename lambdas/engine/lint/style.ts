import { SERIAL_TYPES, typeNameOf } from '../sql/effects.ts';
import type { ParsedStatement } from '../sql/parse.ts';
import { addedColumns, alterTableCommands, columnConstraints, memo } from './ast.ts';

/** A column whose type a statement chooses: a new column, or the target of ALTER COLUMN … TYPE. */
export interface TypedColumn {
  readonly table: string;
  readonly column: string;
  /** As typeNameOf prints it: `int4`, `varchar(50)`, `timestamp`. */
  readonly type: string;
  /** PRIMARY KEY, identity, serial or REFERENCES: a key column. */
  readonly key: boolean;
  /** Where the type is written (a parse node location), so findings point at it. */
  readonly at?: number;
}

const typedMemo = new WeakMap<object, TypedColumn[]>();

export function typedColumns(stmt: Pick<ParsedStatement, 'kind' | 'node'>): TypedColumn[] {
  if (stmt.kind !== 'CreateStmt' && stmt.kind !== 'AlterTableStmt') return [];
  return memo(typedMemo, stmt.node, () => computeTypedColumns(stmt));
}

function computeTypedColumns(stmt: Pick<ParsedStatement, 'kind' | 'node'>): TypedColumn[] {
  const out: TypedColumn[] = [];
  const tableKeys = new Set<string>();
  if (stmt.kind === 'CreateStmt') {
    for (const e of stmt.node.tableElts ?? []) {
      const k = e.Constraint;
      if (k && (k.contype === 'CONSTR_PRIMARY' || k.contype === 'CONSTR_FOREIGN')) {
        for (const key of [...(k.keys ?? []), ...(k.fk_attrs ?? [])]) if (key.String?.sval) tableKeys.add(key.String.sval);
      }
    }
  }
  for (const { table, def } of addedColumns(stmt)) {
    const type = typeNameOf(def.typeName);
    const kinds = columnConstraints(def).map((k) => k.contype);
    const key = tableKeys.has(def.colname) || SERIAL_TYPES.has(type) || kinds.some((k) => k === 'CONSTR_PRIMARY' || k === 'CONSTR_IDENTITY' || k === 'CONSTR_FOREIGN');
    out.push({ table, column: def.colname, type, key, at: def.typeName?.location });
  }
  const alter = alterTableCommands(stmt);
  for (const c of alter?.commands ?? []) {
    if (c.subtype === 'AT_AlterColumnType' && c.name) out.push({ table: alter!.table, column: c.name, type: typeNameOf(c.def?.ColumnDef?.typeName), key: false, at: c.def?.ColumnDef?.typeName?.location });
  }
  return out;
}

/** Said of every style warning: it is about the schema's future, not about locks. */
export const NO_LOCK_CONCERN = 'A style warning: the choice takes no extra lock and causes no rewrite now.';
