import { findVolatileCall } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { columnConstraints, columnsAddedToExistingTable } from '../ast.ts';
import { impactSentence } from '../wording.ts';

export const addingVolatileDefault: Rule = {
  id: 'adding-volatile-default',
  severity: 'error',
  aliases: ['adding-field-with-default'],
  summary: 'ADD COLUMN with a volatile default (gen_random_uuid(), clock_timestamp()…) rewrites the table',
  softensOnSmallTables: true,
  check({ stmt, effect, schema }) {
    return columnsAddedToExistingTable(stmt, schema)
      .flatMap(({ table, def }) => {
        const dflt = columnConstraints(def).find((k) => k.contype === 'CONSTR_DEFAULT');
        const fn = dflt ? findVolatileCall(dflt.raw_expr) : undefined;
        if (!fn) return [];
        return [
          {
            table,
            at: def.location,
            message: `${impactSentence(`ADD COLUMN ${def.colname} DEFAULT ${fn}()`, effect, table)}: a volatile default is computed for every existing row.`,
            help: `Add the column without a default (or with a constant one), then ALTER TABLE ${table} ALTER COLUMN ${def.colname} SET DEFAULT ${fn}() for new rows (catalog only), and fill the existing rows in a separate migration with '-- airlock:batch table=${table} key=<key column>' and 'WHERE <key> > :lo AND <key> <= :hi'.`,
          },
        ];
      });
  },
};
