import type { Rule } from '../types.ts';
import { addedConstraints, alterOfExistingTable, constraintLabel, notNullConstraintName } from '../ast.ts';
import { lockPhrase } from '../wording.ts';
import { notNullProof, nullableKeyColumns } from '../../sql/effects.ts';

export const settingNotNull: Rule = {
  id: 'setting-not-null',
  severity: 'error',
  aliases: ['adding-not-nullable-field'],
  summary: 'SET NOT NULL (or ADD CONSTRAINT … NOT NULL without NOT VALID, or ADD PRIMARY KEY USING INDEX on nullable columns) scans the whole table under ACCESS EXCLUSIVE unless a validated CHECK (col IS NOT NULL) exists',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    const name = (column: string): string => notNullConstraintName(table, column);
    const help = (column: string, then: string): string =>
      `On PostgreSQL 18+: ALTER TABLE ${table} ADD CONSTRAINT ${name(column)} NOT NULL ${column} NOT VALID (catalog only; new rows are checked), then in the next migration (or with '-- airlock:no-transaction'): ALTER TABLE ${table} VALIDATE CONSTRAINT ${name(column)} (SHARE UPDATE EXCLUSIVE: reads and writes continue), which makes ${column} NOT NULL. Before 18, in one migration: ALTER TABLE ${table} ADD CONSTRAINT ${name(column)} CHECK (${column} IS NOT NULL) NOT VALID (catalog only). In the next (or with '-- airlock:no-transaction'): ALTER TABLE ${table} VALIDATE CONSTRAINT … (SHARE UPDATE EXCLUSIVE: reads and writes continue). Then ${then} uses the constraint and skips the scan (PostgreSQL 12+), and the CHECK can be dropped.`;
    const provenAlready = (column: string): boolean => notNullProof(schema, table, column) !== undefined;
    const findings = [];
    for (const c of alter.commands) {
      if (c.subtype === 'AT_SetNotNull' && c.name !== undefined && !provenAlready(c.name)) {
        findings.push({
          table,
          message: `ALTER COLUMN ${c.name} SET NOT NULL ${lockPhrase('ACCESS EXCLUSIVE', table)} and scans the whole table to prove no row is NULL, since no validated CHECK (${c.name} IS NOT NULL) is known.`,
          help: help(c.name, 'SET NOT NULL'),
        });
      }
    }
    for (const { k, column: inline } of addedConstraints(stmt)) {
      if (inline !== undefined) continue;
      // PostgreSQL 18's table NOT NULL constraint: without NOT VALID it scans just like SET NOT NULL.
      const column: unknown = k.contype === 'CONSTR_NOTNULL' && !k.skip_validation ? k.keys?.[0]?.String?.sval : undefined;
      if (typeof column === 'string' && !provenAlready(column)) {
        findings.push({
          table,
          at: k.location,
          message: `ADD CONSTRAINT ${constraintLabel(k)}NOT NULL ${column} ${lockPhrase('ACCESS EXCLUSIVE', table)} and scans the whole table to prove no row is NULL, since it is not NOT VALID and no validated CHECK (${column} IS NOT NULL) is known.`,
          help: help(column, 'ADD CONSTRAINT … NOT NULL'),
        });
      }
      if (k.contype === 'CONSTR_PRIMARY' && k.indexname) {
        for (const column of nullableKeyColumns(schema, table, k.indexname)) {
          findings.push({
            table,
            at: k.location,
            message: `ADD PRIMARY KEY USING INDEX ${k.indexname} makes ${column} NOT NULL: ${lockPhrase('ACCESS EXCLUSIVE', table)} and scans the whole table to prove no row is NULL, since ${column} is nullable and no validated CHECK (${column} IS NOT NULL) is known.`,
            help: help(column, 'ADD PRIMARY KEY USING INDEX'),
          });
        }
      }
    }
    return findings;
  },
};
