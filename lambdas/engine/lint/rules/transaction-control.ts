import type { Rule } from '../types.ts';

export const transactionControl: Rule = {
  id: 'transaction-control',
  severity: 'error',
  aliases: ['transaction-nesting'],
  summary: 'BEGIN, COMMIT, ROLLBACK or SAVEPOINT written into a migration file',
  check({ stmt }) {
    if (stmt.kind !== 'TransactionStmt') return [];
    const verb = stmt.text.split(/\s/)[0]!.toUpperCase();
    return [
      {
        message: `${verb} takes no lock and scans nothing, but it controls the transaction, which Airlock does itself: each migration runs in one transaction, with lock_timeout set, committed together with its ledger row. A ${verb} here ends or splits that transaction, so a failure can leave the migration half applied and unrecorded (the loader refuses such a file).`,
        help: `Remove ${verb}. For statements that must run outside a transaction (CONCURRENTLY, VACUUM) Airlock switches to autocommit by itself; to run a whole file statement by statement, put '-- airlock:no-transaction' at its top.`,
      },
    ];
  },
};
