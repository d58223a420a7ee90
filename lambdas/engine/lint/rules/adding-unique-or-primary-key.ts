import type { Rule } from '../types.ts';
import { addedConstraints, alterOfExistingTable } from '../ast.ts';
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
    const found = addedConstraints(stmt)
      .filter(({ k }) => (k.contype === 'CONSTR_PRIMARY' || k.contype === 'CONSTR_UNIQUE') && !k.indexname)
      .map(({ k, column }): { kind: string; name?: string; columns: string; at?: number } => {
        const kind = k.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
        // Written on ADD COLUMN: the key is that column, and the finding names no constraint.
        if (column !== undefined) return { kind, columns: column, at: k.location };
        return { kind, name: k.conname, columns: (k.keys ?? []).map((s: any) => s.String?.sval).join(', '), at: k.location };
      });
    return found.map(({ kind, name, columns, at }) => ({
      table,
      at,
      message: `ADD ${name ? `CONSTRAINT ${name} ` : ''}${kind} (${columns}) ${lockPhrase('ACCESS EXCLUSIVE', table)} and reads the whole table to build its unique index while holding it.`,
      help: `First CREATE UNIQUE INDEX CONCURRENTLY <index> ON ${table} (${columns}) in a migration of its own (reads and writes continue), then ALTER TABLE ${table} ADD CONSTRAINT ${name ?? '<name>'} ${kind} USING INDEX <index>: a brief catalog change${kind === 'PRIMARY KEY' ? ' (make the columns NOT NULL first, through a validated CHECK, or it scans for NULLs)' : ''}.`,
    }));
  },
};
