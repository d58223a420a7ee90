import type { Rule } from '../types.ts';
import { NO_LOCK_CONCERN, typedColumns } from '../style.ts';

const SMALL = new Set(['int4', 'int2', 'integer', 'smallint', 'serial', 'serial4', 'smallserial', 'serial2']);

export const preferBigintKeys: Rule = {
  id: 'prefer-bigint-keys',
  severity: 'warning',
  aliases: ['prefer-bigint-over-int', 'prefer-bigint-over-smallint', 'prefer-big-int'],
  summary: 'integer or smallint key columns run out: prefer bigint',
  check({ stmt }) {
    return typedColumns(stmt)
      .filter((c) => c.key && SMALL.has(c.type))
      .map((c) => ({
        at: c.at,
        message: `${c.table}.${c.column} is a key of type ${c.type}, which runs out at ${c.type.includes('2') || c.type.startsWith('small') ? '32,767' : 'about 2.1 billion'}; widening it later rewrites the table and every referencing one under ACCESS EXCLUSIVE. ${NO_LOCK_CONCERN}`,
        help: `Use bigint (with GENERATED … AS IDENTITY for a primary key); the extra four bytes per row are cheap next to that migration.`,
      }));
  },
};
