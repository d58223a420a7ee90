import type { Rule } from '../types.ts';
import { alterOfExistingTable, columnConstraints } from '../ast.ts';
import { lockPhrase } from '../wording.ts';

export const addingUniqueOrPrimaryKey: Rule = {
  id: 'adding-unique-or-primary-key',
  severity: 'error',
  aliases: ['disallowed-unique-constraint'],
  summary: 'ADD PRIMARY KEY / UNIQUE builds its index under ACCESS EXCLUSIVE, blocking reads and writes',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    const found: Array<{ kind: string; name?: string; columns: string; at?: number }> = [];
    for (const c of alter.commands) {
      const k = c.subtype === 'AT_AddConstraint' ? c.def?.Constraint : undefined;
      if (k && (k.contype === 'CONSTR_PRIMARY' || k.contype === 'CONSTR_UNIQUE') && !k.indexname) {
        const columns = (k.keys ?? []).map((s: any) => s.String?.sval).join(', ');
        found.push({ kind: k.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE', name: k.conname, columns, at: k.location });
      }
      if (c.subtype === 'AT_AddColumn') {
        for (const k of columnConstraints(c.def?.ColumnDef)) {
          if (k.contype === 'CONSTR_PRIMARY' || k.contype === 'CONSTR_UNIQUE') found.push({ kind: k.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE', columns: c.def.ColumnDef.colname, at: k.location });
        }
      }
    }
    return found.map(({ kind, name, columns, at }) => ({
      table,
      at,
      message: `ADD ${name ? `CONSTRAINT ${name} ` : ''}${kind} (${columns}) ${lockPhrase('ACCESS EXCLUSIVE', table)} and reads the whole table to build its unique index while holding it.`,
      help: `First CREATE UNIQUE INDEX CONCURRENTLY <index> ON ${table} (${columns}) in a migration of its own (reads and writes continue), then ALTER TABLE ${table} ADD CONSTRAINT ${name ?? '<name>'} ${kind} USING INDEX <index>: a brief catalog change${kind === 'PRIMARY KEY' ? ' (make the columns NOT NULL first, through a validated CHECK, or it scans for NULLs)' : ''}.`,
    }));
  },
};
