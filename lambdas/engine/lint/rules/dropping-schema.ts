import type { Rule } from '../types.ts';
import { droppedObjects } from '../ast.ts';

export const droppingSchema: Rule = {
  id: 'dropping-schema',
  severity: 'error',
  summary: 'DROP SCHEMA … CASCADE destroys every object in the schema and its data',
  destructive: true,
  check({ stmt, schema }) {
    if (stmt.kind !== 'DropStmt' || stmt.node.removeType !== 'OBJECT_SCHEMA') return [];
    // Without CASCADE it drops only an empty schema, or fails: nothing is lost.
    if (stmt.node.behavior !== 'DROP_CASCADE') return [];
    return droppedObjects(stmt.node)
      .filter((s) => !schema.isNewSchema(s))
      .map((s) => ({
        message: `DROP SCHEMA ${s} CASCADE takes ACCESS EXCLUSIVE on every table in ${s} (blocking reads and writes, catalog only) and destroys all of them and their data; clients using ${s} break.`,
        help: `Move or drop the objects one by one in migrations that each say what they remove, after the application stopped using them; acknowledge a deliberate drop with '-- airlock:allow dropping-schema <reason>'.`,
      }));
  },
};
