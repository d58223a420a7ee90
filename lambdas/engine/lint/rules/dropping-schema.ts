import type { Rule } from '../types.ts';
import { droppedObjects } from '../ast.ts';

export const droppingSchema: Rule = {
  id: 'dropping-schema',
  severity: 'error',
  summary: 'DROP SCHEMA destroys every object in it (with CASCADE) or fails (without)',
  destructive: true,
  check({ stmt, schema }) {
    if (stmt.kind !== 'DropStmt' || stmt.node.removeType !== 'OBJECT_SCHEMA') return [];
    const cascade = stmt.node.behavior === 'DROP_CASCADE';
    return droppedObjects(stmt.node)
      .filter((s) => !schema.isNewSchema(s))
      .map((s) => ({
        message: `DROP SCHEMA ${s}${cascade ? ' CASCADE' : ''} takes ACCESS EXCLUSIVE on every table in ${s} (blocking reads and writes) and ${cascade ? 'destroys all of them and their data' : 'fails unless the schema is empty'}; clients using ${s} break.`,
        help: `Move or drop the objects one by one in migrations that each say what they remove, after the application stopped using them; acknowledge a deliberate drop with '-- airlock:allow dropping-schema <reason>'.`,
      }));
  },
};
