import { LOCK_MODES } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { lockPhrase } from '../wording.ts';

export const lockTable: Rule = {
  id: 'lock-table',
  severity: 'error',
  summary: 'An explicit LOCK TABLE in a mode that blocks writes holds it until the migration commits',
  check({ stmt, effect, schema }) {
    if (stmt.kind !== 'LockStmt') return [];
    return effect.locks
      .filter((l) => LOCK_MODES.indexOf(l.lock) >= LOCK_MODES.indexOf('SHARE') && !schema.isNewTable(l.table))
      .map((l) => ({
        message: `LOCK TABLE ${l.table} IN ${l.lock} MODE ${lockPhrase(l.lock, l.table)} until the migration commits: every statement after it runs while clients wait, with no rewrite or scan of its own.`,
        help: `Remove the LOCK TABLE: each statement takes the lock it needs, for as short a time as it can, and Airlock sets lock_timeout and retries. If you truly need the lock (a consistent copy), keep the migration very short and acknowledge it with '-- airlock:allow lock-table <reason>'.`,
      }));
  },
};
