import type { Rule } from '../types.ts';
import { NO_LOCK_CONCERN, typedColumns } from '../style.ts';

export const preferTimestamptz: Rule = {
  id: 'prefer-timestamptz',
  severity: 'warning',
  summary: 'timestamp without time zone: prefer timestamptz',
  check({ stmt }) {
    return typedColumns(stmt)
      .filter((c) => /^timestamp(\(\d+\))?$/.test(c.type))
      .map((c) => ({
        at: c.at,
        message: `${c.table}.${c.column} is timestamp without time zone: it stores wall-clock readings with no zone, so values written from sessions in different time zones cannot be compared. ${NO_LOCK_CONCERN}`,
        help: `Use timestamptz (timestamp with time zone): it stores an instant and prints it in the session's zone, at the same size.`,
      }));
  },
};
