import type { Rule } from '../types.ts';
import { NO_LOCK_CONCERN, typedColumns } from '../style.ts';

export const preferJsonb: Rule = {
  id: 'prefer-jsonb',
  severity: 'warning',
  summary: 'json: prefer jsonb',
  check({ stmt }) {
    return typedColumns(stmt)
      .filter((c) => c.type === 'json')
      .map((c) => ({
        at: c.at,
        message: `${c.table}.${c.column} is json: the text is reparsed on every access, has no equality operator (so no DISTINCT, GROUP BY or unique index) and cannot be indexed with GIN. ${NO_LOCK_CONCERN}`,
        help: `Use jsonb, unless you must keep key order, duplicate keys or the exact whitespace of the input.`,
      }));
  },
};
