import { refusesTransaction } from '../../sql/transaction-rules.ts';
import type { Rule } from '../types.ts';

export const concurrentlyInTransaction: Rule = {
  id: 'concurrently-in-transaction',
  severity: 'error',
  aliases: ['ban-concurrent-index-creation-in-transaction'],
  summary: 'A statement that cannot run in a transaction (CONCURRENTLY, VACUUM…) inside a BEGIN … COMMIT block',
  check({ stmt, transaction }) {
    const why = refusesTransaction(stmt);
    if (!why || !transaction.explicitBlock) return [];
    return [
      {
        message: `${why} cannot run inside the BEGIN … COMMIT block written into this file: PostgreSQL refuses it with 25001 (cannot run inside a transaction block) before taking any lock, and the migration fails, rolling back what the block did.`,
        help: `Remove the BEGIN/COMMIT. Airlock sees ${why} and runs this migration statement by statement outside a transaction; put the statement in a migration of its own so the others keep their transaction.`,
      },
    ];
  },
};
