import type { Rule } from '../types.ts';
import { alterOfExistingTable } from '../ast.ts';
import { lockPhrase } from '../wording.ts';

export const settingNotNull: Rule = {
  id: 'setting-not-null',
  severity: 'error',
  aliases: ['adding-not-nullable-field'],
  summary: 'SET NOT NULL scans the whole table under ACCESS EXCLUSIVE unless a validated CHECK (col IS NOT NULL) exists',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    return alter.commands
      .filter((c) => c.subtype === 'AT_SetNotNull' && c.name !== undefined && !schema.hasNotNullCheck(table, c.name))
      .map((c) => ({
        table,
        message: `ALTER COLUMN ${c.name} SET NOT NULL ${lockPhrase('ACCESS EXCLUSIVE', table)} and scans the whole table to prove no row is NULL, since no validated CHECK (${c.name} IS NOT NULL) is known.`,
        help: `In one migration: ALTER TABLE ${table} ADD CONSTRAINT ${table.split('.').pop()}_${c.name}_not_null CHECK (${c.name} IS NOT NULL) NOT VALID (catalog only). In the next (or with '-- airlock:no-transaction'): ALTER TABLE ${table} VALIDATE CONSTRAINT … (SHARE UPDATE EXCLUSIVE: reads and writes continue). Then SET NOT NULL uses the constraint and skips the scan (PostgreSQL 12+), and the CHECK can be dropped.`,
      }));
  },
};
