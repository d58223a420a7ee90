import { relationName } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { lockPhrase } from '../wording.ts';

export const truncatingTable: Rule = {
  id: 'truncating-table',
  severity: 'error',
  aliases: ['ban-truncate-cascade'],
  summary: 'TRUNCATE removes every row at once under ACCESS EXCLUSIVE',
  destructive: true,
  check({ stmt, schema }) {
    if (stmt.kind !== 'TruncateStmt') return [];
    const cascade = stmt.node.behavior === 'DROP_CASCADE';
    return (stmt.node.relations ?? [])
      .map((r: any) => relationName(r.RangeVar))
      .filter((t: string) => !schema.isNewTable(t))
      .map((t: string) => ({
        message: `TRUNCATE ${t}${cascade ? ' CASCADE' : ''} ${lockPhrase('ACCESS EXCLUSIVE', t)} (no scan) and removes every row${cascade ? ', and every row of every table referencing it' : ''}; the data is gone once it commits.`,
        help: `If the rows must go, delete them in batches with '-- airlock:batch table=${t} key=<key>' and 'DELETE FROM ${t} WHERE <key> > :lo AND <key> <= :hi' (reads and writes continue); if a truncate is really meant, acknowledge it with '-- airlock:allow truncating-table <reason>'.`,
      }));
  },
};
