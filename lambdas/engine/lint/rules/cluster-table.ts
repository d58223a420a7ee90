import { relationName } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { lockPhrase, workPhrase } from '../wording.ts';

export const clusterTable: Rule = {
  id: 'cluster-table',
  severity: 'error',
  summary: 'CLUSTER rewrites the table in index order under ACCESS EXCLUSIVE',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    if (stmt.kind !== 'ClusterStmt') return [];
    const table = stmt.node.relation ? relationName(stmt.node.relation) : undefined;
    if (table !== undefined && schema.isNewTable(table)) return [];
    return [
      {
        ...(table !== undefined && { table }),
        message: `CLUSTER ${lockPhrase('ACCESS EXCLUSIVE', table ?? 'every previously clustered table')} ${workPhrase('rewrite')}.`,
        help: `Use pg_repack --order-by (supported on RDS and Aurora), which reorders the table online; or leave the order to new rows and a fillfactor.`,
      },
    ];
  },
};
