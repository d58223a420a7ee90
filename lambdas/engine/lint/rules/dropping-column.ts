import type { Rule } from '../types.ts';
import { alterOfExistingTable } from '../ast.ts';
import { lockPhrase } from '../wording.ts';

export const droppingColumn: Rule = {
  id: 'dropping-column',
  severity: 'error',
  aliases: ['ban-drop-column'],
  summary: 'DROP COLUMN destroys the data and breaks clients that still read or write the column',
  destructive: true,
  check({ stmt, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    return alter.commands
      .filter((c) => c.subtype === 'AT_DropColumn')
      .map((c) => ({
        message: `DROP COLUMN ${c.name} ${lockPhrase('ACCESS EXCLUSIVE', table)} briefly (catalog only, no rewrite) and destroys the column's data; running code that selects, inserts or updates ${c.name} fails.`,
        help: `Drop it in two releases: first ship code that no longer uses ${table}.${c.name} (ORMs that list every column must ignore it), then drop it in a later migration, acknowledging it with '-- airlock:allow dropping-column <reason>'.`,
      }));
  },
};
