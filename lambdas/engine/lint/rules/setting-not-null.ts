import type { Rule } from '../types.ts';
import { alterOfExistingTable } from '../ast.ts';
import { lockPhrase } from '../wording.ts';
import { nullableKeyColumns } from '../../sql/effects.ts';

export const settingNotNull: Rule = {
  id: 'setting-not-null',
  severity: 'error',
  aliases: ['adding-not-nullable-field'],
  summary: 'SET NOT NULL (or ADD PRIMARY KEY USING INDEX on nullable columns) scans the whole table under ACCESS EXCLUSIVE unless a validated CHECK (col IS NOT NULL) exists',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    const help = (column: string, then: string): string =>
      `In one migration: ALTER TABLE ${table} ADD CONSTRAINT ${table.split('.').pop()}_${column}_not_null CHECK (${column} IS NOT NULL) NOT VALID (catalog only). In the next (or with '-- airlock:no-transaction'): ALTER TABLE ${table} VALIDATE CONSTRAINT … (SHARE UPDATE EXCLUSIVE: reads and writes continue). Then ${then} uses the constraint and skips the scan (PostgreSQL 12+), and the CHECK can be dropped.`;
    const findings = [];
    for (const c of alter.commands) {
      if (c.subtype === 'AT_SetNotNull' && c.name !== undefined && schema.isNotNull(table, c.name) !== true && !schema.hasNotNullCheck(table, c.name)) {
        findings.push({
          table,
          message: `ALTER COLUMN ${c.name} SET NOT NULL ${lockPhrase('ACCESS EXCLUSIVE', table)} and scans the whole table to prove no row is NULL, since no validated CHECK (${c.name} IS NOT NULL) is known.`,
          help: help(c.name, 'SET NOT NULL'),
        });
      }
      const k = c.subtype === 'AT_AddConstraint' ? c.def?.Constraint : undefined;
      if (k?.contype === 'CONSTR_PRIMARY' && k.indexname) {
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
