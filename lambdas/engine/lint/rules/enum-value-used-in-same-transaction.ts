import { walk } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';

export const enumValueUsedInSameTransaction: Rule = {
  id: 'enum-value-used-in-same-transaction',
  severity: 'error',
  summary: 'Using an enum value added by ALTER TYPE … ADD VALUE before the transaction commits fails',
  check({ stmt, transaction }) {
    if (transaction.addedEnumValues.size === 0 || !transaction.shared || stmt.kind === 'AlterEnumStmt') return [];
    const used = new Set<string>();
    walk(stmt.node, (node) => {
      const value = (node as any).A_Const?.sval?.sval;
      if (typeof value === 'string' && transaction.addedEnumValues.has(value)) used.add(value);
    });
    return [...used].map((value) => {
      const type = transaction.addedEnumValues.get(value)!;
      return {
        message: `'${value}' was added to enum ${type} earlier in this transaction; PostgreSQL refuses to use it before that commits (55P04: unsafe use of new value), so the migration fails. No lock or scan is involved.`,
        help: `Put ALTER TYPE ${type} ADD VALUE '${value}' in a migration of its own (or mark this file '-- airlock:no-transaction' so it commits on its own) and use the value in a later migration.`,
      };
    });
  },
};
