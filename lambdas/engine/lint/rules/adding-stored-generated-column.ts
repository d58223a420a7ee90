import type { Rule } from '../types.ts';
import { columnConstraints, columnsAddedToExistingTable } from '../ast.ts';
import { impactSentence } from '../wording.ts';
import { isVirtual } from '../../sql/effects.ts';

export const addingStoredGeneratedColumn: Rule = {
  id: 'adding-stored-generated-column',
  severity: 'error',
  summary: 'ADD COLUMN … GENERATED ALWAYS AS (…) STORED computes every row, rewriting the table',
  softensOnSmallTables: true,
  check({ stmt, effect, schema }) {
    return columnsAddedToExistingTable(stmt, schema)
      // VIRTUAL (PG18+) is computed when read: a catalog change.
      .filter(({ def }) => columnConstraints(def).some((k) => k.contype === 'CONSTR_GENERATED' && !isVirtual(k)))
      .map(({ table, def }) => ({
        table,
        at: def.location,
        message: `${impactSentence(`ADD COLUMN ${def.colname} GENERATED … STORED`, effect, table)}: the expression is computed and stored for every existing row.`,
        help: `On PostgreSQL 18+, GENERATED ALWAYS AS (…) VIRTUAL computes the value when read and adds the column without a rewrite (it cannot be indexed). Or add a plain nullable column, keep it up to date for new rows with a BEFORE INSERT OR UPDATE trigger, and fill the existing rows with a '-- airlock:batch' migration; or compute the value in a view or in the query instead of storing it.`,
      }));
  },
};
