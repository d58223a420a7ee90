import { findInvalidIndexes } from '../../verify/built-ins.ts';
import { pass, verdict, type PreflightCheck } from '../types.ts';

export const invalidIndexes: PreflightCheck = {
  id: 'invalid-indexes',
  title: 'INVALID indexes already present',
  async run(ctx) {
    const invalid = await findInvalidIndexes(ctx.client);
    if (invalid.length === 0) return pass('invalid-indexes', 'no INVALID index');
    const leftOver = invalid.filter((i) => i.buildingPid === null);
    const names = (list: typeof invalid): string => list.slice(0, 5).map((i) => `${i.schema}.${i.index} on ${i.table}`).join(', ') + (list.length > 5 ? ', …' : '');
    if (leftOver.length === 0) {
      return verdict('invalid-indexes', 'warn', `${invalid.length} index build${invalid.length === 1 ? ' is' : 's are'} in progress: ${names(invalid)} (pid ${invalid.map((i) => i.buildingPid).join(', ')})`,
        'Let the running CREATE INDEX CONCURRENTLY finish before migrating; it holds locks the migration may need.', { invalid });
    }
    const first = leftOver[0]!;
    return verdict('invalid-indexes', 'fail', `${leftOver.length} INVALID ${leftOver.length === 1 ? 'index' : 'indexes'} left by a failed build: ${names(leftOver)}`,
      `Drop or rebuild ${leftOver.length === 1 ? 'it' : 'each'} first (DROP INDEX CONCURRENTLY ${first.schema}.${first.index}, or REINDEX INDEX CONCURRENTLY); otherwise verification fails after the migration.`, { invalid });
  },
};
