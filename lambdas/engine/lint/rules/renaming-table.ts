import { relationName } from '../../sql/effects.ts';
import { tableKey } from '../schema.ts';
import type { Rule } from '../types.ts';
import { lockPhrase } from '../wording.ts';

const KINDS: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_FOREIGN_TABLE: 'foreign table',
};

export const renamingTable: Rule = {
  id: 'renaming-table',
  severity: 'error',
  summary: 'RENAME of a table or view breaks every client still using the old name (unless a view keeps the old name)',
  destructive: true,
  check({ stmt, schema, following }) {
    if (stmt.kind !== 'RenameStmt') return [];
    const n = stmt.node;
    if (n.renameType === 'OBJECT_SCHEMA') {
      return [
        {
          message: `ALTER SCHEMA ${n.subname} RENAME TO ${n.newname} is a brief catalog change that breaks every query naming ${n.subname}.`,
          help: `Create the new schema and move objects with ALTER … SET SCHEMA one release at a time, or keep the old name in the application's search_path until every client has moved.`,
        },
      ];
    }
    const kind = KINDS[String(n.renameType)];
    if (!kind) return [];
    const table = relationName(n.relation);
    if (schema.isNewTable(table)) return [];
    // Renamed with a view under the old name in the same transaction: old clients keep working.
    const keepsOldName = following.some((s) => s.kind === 'ViewStmt' && tableKey(relationName(s.node.view)) === tableKey(table));
    if (keepsOldName) return [];
    return [
      {
        message: `RENAME ${kind} ${table} TO ${n.newname} ${lockPhrase('ACCESS EXCLUSIVE', table)} briefly (catalog only, no rewrite), and every running query or client that names ${table} fails from then on.`,
        help: `Expand and contract: rename it and, in the same migration, CREATE VIEW ${table} AS SELECT * FROM ${n.newname} (a simple view is updatable), so old and new code both work; drop the view in a later release once nothing uses the old name.`,
      },
    ];
  },
};
