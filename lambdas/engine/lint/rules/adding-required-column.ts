import type { Rule } from '../types.ts';
import { columnConstraints, columnsAddedToExistingTable } from '../ast.ts';
import { SERIAL_TYPES, typeNameOf } from '../../sql/effects.ts';
import { lockPhrase } from '../wording.ts';

const FILLED = new Set(['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED']);

export const addingRequiredColumn: Rule = {
  id: 'adding-required-column',
  severity: 'error',
  aliases: ['adding-required-field'],
  summary: 'ADD COLUMN … NOT NULL without a default fails on a table with rows and breaks inserts that omit it',
  check({ stmt, schema }) {
    return columnsAddedToExistingTable(stmt, schema)
      .filter(({ def }) => {
        const kinds = columnConstraints(def).map((k) => k.contype);
        return (kinds.includes('CONSTR_NOTNULL') || kinds.includes('CONSTR_PRIMARY')) && !kinds.some((k) => FILLED.has(k)) && !SERIAL_TYPES.has(typeNameOf(def.typeName));
      })
      .map(({ table, def }) => ({
        at: def.location,
        message: `ADD COLUMN ${def.colname} … NOT NULL without a DEFAULT ${lockPhrase('ACCESS EXCLUSIVE', table)} and scans for rows: it fails if ${table} holds any row, and once added, every INSERT that does not name ${def.colname} (all the code running now) fails.`,
        help: `Add it with a constant DEFAULT (… NOT NULL DEFAULT <value> is a catalog change since PostgreSQL 11), or add it nullable, backfill it with a '-- airlock:batch' migration, and make it NOT NULL through a validated CHECK (see setting-not-null).`,
      }));
  },
};
