import type { Rule } from '../types.ts';
import { addedConstraints, alterOfExistingTable, constraintLabel } from '../ast.ts';
import { lockPhrase } from '../wording.ts';

export const checkConstraintMissingNotValid: Rule = {
  id: 'check-constraint-missing-not-valid',
  severity: 'error',
  aliases: ['constraint-missing-not-valid'],
  summary: 'ADD CONSTRAINT … CHECK without NOT VALID scans the whole table under ACCESS EXCLUSIVE',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    // A CHECK written inline on ADD COLUMN is verified against every existing row just the same.
    return addedConstraints(stmt)
      .map(({ k }) => k)
      .filter((k) => k.contype === 'CONSTR_CHECK' && !k.skip_validation) // NOT ENFORCED (PG18+) sets skip_validation too
      .map((k) => {
        const name = k.conname ?? '<name>';
        return {
          table,
          at: k.location,
          message: `ADD CONSTRAINT ${constraintLabel(k)}CHECK ${lockPhrase('ACCESS EXCLUSIVE', table)} and scans the whole table while holding it to check every row.`,
          help: `Add it with NOT VALID (catalog only; new rows are checked from then on), then in a later migration, or one marked '-- airlock:no-transaction', ALTER TABLE ${table} VALIDATE CONSTRAINT ${name}: that scan takes SHARE UPDATE EXCLUSIVE, so reads and writes continue.`,
        };
      });
  },
};
