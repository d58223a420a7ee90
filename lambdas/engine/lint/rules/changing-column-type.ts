import { columnTypeChange, typeNameOf } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { alterOfExistingTable } from '../ast.ts';
import { lockPhrase, workPhrase } from '../wording.ts';

const SAFE_CHANGES =
  'varchar(n) → varchar(m ≥ n), varchar or text; text → varchar (no length); numeric(p,s) → numeric(p′ ≥ p, s) or numeric; timestamp/time/interval precision raised or dropped; varbit(n) → varbit(m ≥ n); cidr → inet';

export const changingColumnType: Rule = {
  id: 'changing-column-type',
  severity: 'error',
  summary: 'ALTER COLUMN … TYPE rewrites the table and its indexes unless the change is known to be binary-coercible',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    return alter.commands
      .filter((c) => c.subtype === 'AT_AlterColumnType')
      .flatMap((c) => {
        const to = typeNameOf(c.def?.ColumnDef?.typeName);
        const from = schema.columnType(table, c.name ?? '');
        // The judgement describeEffect makes: only the clauses that rewrite are reported.
        const change = columnTypeChange(from, to, c.name ?? '', c.def?.ColumnDef?.raw_default);
        if (change === 'binary-coercible') return [];
        const why =
          change === 'using-expression'
            ? 'its USING expression is more than a cast of the column, which always rewrites'
            : change === 'not-binary-coercible'
              ? `${from} → ${to} is not binary-coercible`
              : `the old type of ${table}.${c.name} is unknown (not created by these migrations; pass --database-url to read it), so Airlock assumes the worst`;
        return [{
          table,
          at: c.def?.ColumnDef?.typeName?.location,
          message: `ALTER COLUMN ${c.name} TYPE ${to} ${lockPhrase('ACCESS EXCLUSIVE', table)} ${workPhrase('rewrite')}: ${why}. Only these changes skip the rewrite: ${SAFE_CHANGES}.`,
          help: `If the change is one of those, say so with the old type known (run with --database-url) or acknowledge it with '-- airlock:allow changing-column-type <reason>'. Otherwise expand and contract: add a new column of type ${to}, write both from the application (or a trigger), backfill it with a '-- airlock:batch' migration, switch reads, then drop the old column in a later release.`,
        }];
      });
  },
};
