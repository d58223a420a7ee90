import type { Rule } from '../types.ts';
import { columnConstraints, columnsAddedToExistingTable } from '../ast.ts';
import { impactSentence } from '../wording.ts';
import { SERIAL_TYPES, typeNameOf } from '../../sql/effects.ts';

export const addingSerialColumn: Rule = {
  id: 'adding-serial-column',
  severity: 'error',
  summary: 'ADD COLUMN serial/bigserial or GENERATED AS IDENTITY fills every row, rewriting the table',
  softensOnSmallTables: true,
  check({ stmt, effect, schema }) {
    return columnsAddedToExistingTable(stmt, schema)
      .flatMap(({ table, def }) => {
        const type = typeNameOf(def.typeName);
        const identity = columnConstraints(def).some((k) => k.contype === 'CONSTR_IDENTITY');
        if (!SERIAL_TYPES.has(type) && !identity) return [];
        const what = identity ? `${def.colname} GENERATED AS IDENTITY` : `${def.colname} ${type}`;
        return [
          {
            table,
            at: def.location,
            message: `${impactSentence(`ADD COLUMN ${what}`, effect, table)}: every existing row gets the next value of a sequence.`,
            help: `Add a plain nullable bigint column, CREATE SEQUENCE and ALTER COLUMN ${def.colname} SET DEFAULT nextval('<sequence>') for new rows (catalog only), fill existing rows with a '-- airlock:batch' migration, then make it NOT NULL through a validated CHECK (see setting-not-null).`,
          },
        ];
      });
  },
};
