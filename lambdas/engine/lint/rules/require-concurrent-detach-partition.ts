import { relationName } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { alterOfExistingTable } from '../ast.ts';
import { lockPhrase } from '../wording.ts';

export const requireConcurrentDetachPartition: Rule = {
  id: 'require-concurrent-detach-partition',
  severity: 'error',
  summary: 'DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the partitioned table',
  check({ stmt, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    return alter.commands
      .filter((c) => c.subtype === 'AT_DetachPartition' && !c.def?.PartitionCmd?.concurrent)
      .map((c) => {
        const partition = relationName(c.def?.PartitionCmd?.name);
        return {
          message: `DETACH PARTITION ${partition} ${lockPhrase('ACCESS EXCLUSIVE', alter.table)} and on ${partition}, briefly (no scan), but every query on any partition of ${alter.table} queues behind it while it waits.`,
          help: `Use ALTER TABLE ${alter.table} DETACH PARTITION ${partition} CONCURRENTLY (PostgreSQL 14+): it takes SHARE UPDATE EXCLUSIVE on ${alter.table}. Airlock runs it outside a transaction by itself. It is refused when ${alter.table} has a default partition; if it is interrupted, finish it with DETACH PARTITION … FINALIZE.`,
        };
      });
  },
};
