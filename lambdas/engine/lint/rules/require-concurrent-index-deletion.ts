import type { Rule } from '../types.ts';
import { droppedObjects } from '../ast.ts';
import { lockPhrase } from '../wording.ts';

export const requireConcurrentIndexDeletion: Rule = {
  id: 'require-concurrent-index-deletion',
  severity: 'error',
  summary: "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index's table",
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    if (stmt.kind !== 'DropStmt' || stmt.node.removeType !== 'OBJECT_INDEX' || stmt.node.concurrent) return [];
    return droppedObjects(stmt.node).flatMap((index) => {
      const table = schema.indexTable(index);
      if (table !== undefined && schema.isNewTable(table)) return [];
      const on = table ?? `the table of ${index}`;
      return [
        {
          ...(table !== undefined && { table }),
          message: `DROP INDEX ${index} ${lockPhrase('ACCESS EXCLUSIVE', on)}; there is no scan, but while it waits for running queries on ${on} every new query queues behind it.`,
          help: `Use DROP INDEX CONCURRENTLY ${index} (one index per statement, no CASCADE): it takes SHARE UPDATE EXCLUSIVE and waits for queries without blocking them. Airlock runs it outside a transaction by itself. An index that backs a constraint is dropped with ALTER TABLE … DROP CONSTRAINT instead.`,
        },
      ];
    });
  },
};
