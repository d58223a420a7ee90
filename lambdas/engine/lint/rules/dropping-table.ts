import type { Rule } from '../types.ts';
import { droppedObjects } from '../ast.ts';
import { lockPhrase } from '../wording.ts';

const KINDS: Record<string, string> = {
  OBJECT_TABLE: 'TABLE',
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_VIEW: 'VIEW',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
};

export const droppingTable: Rule = {
  id: 'dropping-table',
  severity: 'error',
  aliases: ['ban-drop-table'],
  summary: 'DROP TABLE destroys the data and breaks every client still using the table',
  destructive: true,
  check({ stmt, schema }) {
    if (stmt.kind !== 'DropStmt') return [];
    const kind = KINDS[String(stmt.node.removeType)];
    if (!kind) return [];
    return droppedObjects(stmt.node)
      .filter((t) => !schema.isNewTable(t))
      .map((t) => ({
        message: `DROP ${kind} ${t} ${lockPhrase('ACCESS EXCLUSIVE', t)} briefly (catalog only, no scan) and ${kind === 'VIEW' ? 'breaks every query that still uses it' : 'destroys its data for good; running application code that still uses it fails'}.`,
        help: `Drop it in two releases: first ship code that no longer reads or writes ${t} (and maybe rename it aside to prove nothing does), then drop it in a later migration after a backup, acknowledging it with '-- airlock:allow dropping-table <reason>'.`,
      }));
  },
};
