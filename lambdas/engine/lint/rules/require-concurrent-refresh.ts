import { relationName } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { lockPhrase } from '../wording.ts';

export const requireConcurrentRefresh: Rule = {
  id: 'require-concurrent-refresh',
  severity: 'error',
  summary: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view for the whole rebuild',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    if (stmt.kind !== 'RefreshMatViewStmt' || stmt.node.concurrent || stmt.node.skipData) return [];
    const view = relationName(stmt.node.relation);
    if (schema.isNewTable(view)) return [];
    return [
      {
        table: view,
        message: `REFRESH MATERIALIZED VIEW ${view} ${lockPhrase('ACCESS EXCLUSIVE', view)} and reruns its whole query to rebuild it while holding it.`,
        help: `Use REFRESH MATERIALIZED VIEW CONCURRENTLY ${view}: it takes EXCLUSIVE, so reads continue. It needs a unique index on the view (CREATE UNIQUE INDEX CONCURRENTLY … ON ${view} (…) first) and a populated view.`,
      },
    ];
  },
};
