import { typeNameOf } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { alterOfExistingTable } from '../ast.ts';
import { impactOn, lockPhrase, workPhrase } from '../wording.ts';

const SAFE_CHANGES =
  'varchar(n) → varchar(m ≥ n), varchar or text; text → varchar (no length); numeric(p,s) → numeric(p′ ≥ p, s) or numeric; timestamp/time/interval precision raised or dropped; varbit(n) → varbit(m ≥ n); cidr → inet';

export const changingColumnType: Rule = {
  id: 'changing-column-type',
  severity: 'error',
  summary: 'ALTER COLUMN … TYPE rewrites the table and its indexes unless the change is known to be binary-coercible',
  softensOnSmallTables: true,
  check({ stmt, effect, schema }) {
    const alter = alterOfExistingTable(stmt, schema);
    if (!alter) return [];
    const { table } = alter;
    if (impactOn(effect, table).work !== 'rewrite') return [];
    return alter.commands
      .filter((c) => c.subtype === 'AT_AlterColumnType')
      .filter((c) => {
        // Only the clauses that rewrite: describeEffect already judged binary coercion.
        const part = effect.parts.find((p) => p.table === table && p.what.startsWith(`ALTER COLUMN ${c.name} TYPE`));
        return part?.work === 'rewrite';
      })
      .map((c) => {
        const to = typeNameOf(c.def?.ColumnDef?.typeName);
        const from = schema.columnType(table, c.name ?? '');
        const using = c.def?.ColumnDef?.raw_default !== undefined;
        const why = from && using
          ? 'its USING expression is more than a cast of the column, which always rewrites'
          : from
            ? `${from} → ${to} is not binary-coercible`
            : `the old type of ${table}.${c.name} is unknown (not created by these migrations; pass --database-url to read it), so Airlock assumes the worst`;
        return {
          table,
          at: c.def?.ColumnDef?.typeName?.location,
          message: `ALTER COLUMN ${c.name} TYPE ${to} ${lockPhrase('ACCESS EXCLUSIVE', table)} ${workPhrase('rewrite')}: ${why}. Only these changes skip the rewrite: ${SAFE_CHANGES}.`,
          help: `If the change is one of those, say so with the old type known (run with --database-url) or acknowledge it with '-- airlock:allow changing-column-type <reason>'. Otherwise expand and contract: add a new column of type ${to}, write both from the application (or a trigger), backfill it with a '-- airlock:batch' migration, switch reads, then drop the old column in a later release.`,
        };
      });
  },
};
