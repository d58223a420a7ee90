import { isConcurrentReindex, relationName } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { lockPhrase } from '../wording.ts';

export const requireConcurrentReindex: Rule = {
  id: 'require-concurrent-reindex',
  severity: 'error',
  summary: 'REINDEX without CONCURRENTLY blocks writes, and reads that use the index, for the whole rebuild',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    if (stmt.kind !== 'ReindexStmt') return [];
    const n = stmt.node;
    if (isConcurrentReindex(n)) return [];
    const what = String(n.kind ?? 'REINDEX_OBJECT_INDEX').replace('REINDEX_OBJECT_', '');
    const target = n.relation ? relationName(n.relation) : (n.name ?? '?');
    const table = what === 'INDEX' ? schema.indexTable(target) : what === 'TABLE' ? target : undefined;
    if (table !== undefined && schema.isNewTable(table)) return [];
    const on = table ?? (what === 'INDEX' ? `the table of ${target}` : `every table of ${what.toLowerCase()} ${target}`);
    return [
      {
        ...(table !== undefined && { table }),
        message: `REINDEX ${what} ${target} ${lockPhrase('SHARE', on)} and ACCESS EXCLUSIVE on each index while it rebuilds them, reading the whole table; queries that would use those indexes wait too.`,
        help: `Use REINDEX (CONCURRENTLY) ${what} ${target} (PostgreSQL 12+): it builds a new copy beside the old one under SHARE UPDATE EXCLUSIVE and swaps them. Airlock runs it outside a transaction by itself. A failed run leaves *_ccnew indexes to drop.`,
      },
    ];
  },
};
