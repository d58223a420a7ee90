import { isConcurrentReindex } from './effects.ts';
import type { ParsedStatement } from './parse.ts';

/**
 * Why PostgreSQL refuses to run this statement inside a transaction block, or undefined when it
 * does not. Such statements make their migration run statement by statement in autocommit.
 */
export function refusesTransaction(stmt: Pick<ParsedStatement, 'kind' | 'node'>): string | undefined {
  const n = stmt.node;
  switch (stmt.kind) {
    case 'IndexStmt':
      return n.concurrent ? 'CREATE INDEX CONCURRENTLY' : undefined;
    case 'DropStmt':
      return n.concurrent ? 'DROP INDEX CONCURRENTLY' : undefined;
    case 'ReindexStmt': {
      if (isConcurrentReindex(n)) return 'REINDEX CONCURRENTLY';
      return ['REINDEX_OBJECT_SYSTEM', 'REINDEX_OBJECT_DATABASE', 'REINDEX_OBJECT_SCHEMA'].includes(n.kind) ? 'REINDEX SCHEMA/SYSTEM/DATABASE' : undefined;
    }
    case 'VacuumStmt':
      return n.is_vacuumcmd ? 'VACUUM' : undefined;
    case 'CreatedbStmt':
      return 'CREATE DATABASE';
    case 'DropdbStmt':
      return 'DROP DATABASE';
    case 'AlterSystemStmt':
      return 'ALTER SYSTEM';
    case 'CreateTableSpaceStmt':
      return 'CREATE TABLESPACE';
    case 'DropTableSpaceStmt':
      return 'DROP TABLESPACE';
    case 'ClusterStmt':
      return n.relation ? undefined : 'CLUSTER without a table';
    case 'AlterTableStmt':
      return (n.cmds ?? []).some((c: any) => c.AlterTableCmd?.subtype === 'AT_DetachPartition' && c.AlterTableCmd?.def?.PartitionCmd?.concurrent)
        ? 'DETACH PARTITION CONCURRENTLY'
        : undefined;
    case 'CreateSubscriptionStmt':
      return 'CREATE SUBSCRIPTION';
    case 'DropSubscriptionStmt':
      return 'DROP SUBSCRIPTION';
    default:
      return undefined;
  }
}
