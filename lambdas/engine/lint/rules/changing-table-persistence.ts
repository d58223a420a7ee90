import type { Rule } from '../types.ts';
import { alterOfExistingTable } from '../ast.ts';
import { lockPhrase, workPhrase } from '../wording.ts';

export const changingTablePersistence: Rule = {
  id: 'changing-table-persistence',
  severity: 'error',
  summary: 'SET LOGGED / SET UNLOGGED rewrites the table under ACCESS EXCLUSIVE',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    return alter.commands
      .filter((c) => c.subtype === 'AT_SetLogged' || c.subtype === 'AT_SetUnLogged')
      .map((c) => {
        const to = c.subtype === 'AT_SetLogged' ? 'LOGGED' : 'UNLOGGED';
        return {
          table,
          message: `SET ${to} ${lockPhrase('ACCESS EXCLUSIVE', table)} ${workPhrase('rewrite')}${to === 'LOGGED' ? ', writing all of it to the WAL (and to every replica)' : ''}.`,
          help: `Create a new ${to.toLowerCase()} table, copy the rows with a '-- airlock:batch' migration while the application writes to both, then swap names in a brief migration. ${to === 'UNLOGGED' ? 'An unlogged table is also emptied after a crash and is not replicated.' : ''}`.trim(),
        };
      });
  },
};
