import type { Rule } from '../types.ts';
import { addedConstraints, alterOfExistingTable, constraintLabel } from '../ast.ts';
import { lockPhrase } from '../wording.ts';

export const addingExclusionConstraint: Rule = {
  id: 'adding-exclusion-constraint',
  severity: 'error',
  summary: 'ADD CONSTRAINT … EXCLUDE builds its index under ACCESS EXCLUSIVE, with no online alternative',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    return addedConstraints(stmt)
      .filter(({ k }) => k.contype === 'CONSTR_EXCLUSION')
      .map(({ k }) => ({
        table,
        at: k.location,
        message: `ADD CONSTRAINT ${constraintLabel(k)}EXCLUDE ${lockPhrase('ACCESS EXCLUSIVE', table)} and reads the whole table to build the exclusion index while holding it.`,
        help: `An exclusion constraint can be neither built CONCURRENTLY nor attached USING INDEX, nor added NOT VALID. Add it when ${table} is created, or build it on a new table and move the rows there; otherwise schedule it in a quiet window and acknowledge it with '-- airlock:allow adding-exclusion-constraint <reason>'.`,
      }));
  },
};
