import { relationName } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { addedConstraints, alterOfExistingTable, constraintLabel } from '../ast.ts';
import { impactOn, lockPhrase } from '../wording.ts';

export const foreignKeyMissingNotValid: Rule = {
  id: 'foreign-key-missing-not-valid',
  severity: 'error',
  aliases: ['adding-foreign-key-constraint', 'constraint-missing-not-valid'],
  summary: 'ADD FOREIGN KEY (or ADD COLUMN … REFERENCES) without NOT VALID blocks writes on both tables while it scans',
  softensOnSmallTables: true,
  check({ stmt, effect, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    return addedConstraints(stmt)
      .filter(({ k }) => k.contype === 'CONSTR_FOREIGN' && !k.skip_validation)
      .map(({ k, column }) => {
        const other = relationName(k.pktable);
        const subject = column ? `ADD COLUMN ${column} … REFERENCES ${other}` : `ADD CONSTRAINT ${constraintLabel(k)}FOREIGN KEY … REFERENCES ${other}`;
        const steps = column
          ? `Add the column without REFERENCES, then ALTER TABLE ${table} ADD CONSTRAINT <name> FOREIGN KEY (${column}) REFERENCES ${other} NOT VALID (catalog only, new rows are checked)`
          : `Add it with NOT VALID (catalog only, new rows are checked)`;
        return {
          table,
          at: k.location,
          message: `${subject} ${lockPhrase(impactOn(effect, table).lock, table)} and SHARE ROW EXCLUSIVE on ${other} (blocking writes), and scans the whole of ${table} while holding them to check every row.`,
          help: `${steps}, then in a later migration, or one marked '-- airlock:no-transaction', VALIDATE CONSTRAINT: it takes SHARE UPDATE EXCLUSIVE on ${table} and ROW SHARE on ${other}, so reads and writes continue.`,
        };
      });
  },
};
