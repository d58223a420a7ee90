import type { Rule } from '../types.ts';
import { alterOfExistingTable } from '../ast.ts';

export const validateInSameTransaction: Rule = {
  id: 'validate-in-same-transaction',
  severity: 'error',
  summary: 'VALIDATE CONSTRAINT in the same transaction as its NOT VALID add runs its scan under the add\'s strong lock',
  softensOnSmallTables: true,
  check({ stmt, schema, transaction }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter || !transaction.shared) return [];
    const { table } = alter;
    return alter.commands
      .filter((c) => c.subtype === 'AT_ValidateConstraint' && c.name !== undefined)
      .flatMap((c) => {
        const held = transaction.notValidLock(table, c.name!);
        if (!held) return [];
        return [
          {
            table,
            message: `VALIDATE CONSTRAINT ${c.name} runs in the same transaction as the ADD … NOT VALID before it, which still holds ${held} on ${table} until commit: the validating scan of the whole table happens under that lock (blocking ${held === 'ACCESS EXCLUSIVE' ? 'reads and writes' : 'writes'}), which is what NOT VALID was meant to avoid.`,
            help: `Move VALIDATE CONSTRAINT ${c.name} to the next migration, or mark this file '-- airlock:no-transaction' so each statement commits on its own; the VALIDATE then takes only SHARE UPDATE EXCLUSIVE.`,
          },
        ];
      });
  },
};
