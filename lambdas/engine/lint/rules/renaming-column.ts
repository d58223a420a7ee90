import { relationName } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { lockPhrase } from '../wording.ts';

export const renamingColumn: Rule = {
  id: 'renaming-column',
  severity: 'error',
  summary: 'RENAME COLUMN breaks every client still using the old column name',
  destructive: true,
  check({ stmt, schema }) {
    if (stmt.kind !== 'RenameStmt' || stmt.node.renameType !== 'OBJECT_COLUMN') return [];
    const n = stmt.node;
    const table = relationName(n.relation);
    if (n.relationType !== 'OBJECT_TABLE' || schema.isNewTable(table)) return [];
    return [
      {
        message: `RENAME COLUMN ${n.subname} TO ${n.newname} ${lockPhrase('ACCESS EXCLUSIVE', table)} briefly (catalog only, no rewrite), and running code that names ${table}.${n.subname} fails from then on.`,
        help: `Expand and contract: add ${n.newname}, write both columns from the application (or a trigger), backfill ${n.newname} with a '-- airlock:batch' migration, move the reads, then drop ${n.subname} in a later release.`,
      },
    ];
  },
};
