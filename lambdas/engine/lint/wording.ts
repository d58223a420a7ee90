import { LOCK_MODES, WORK_KINDS, lockBlocks, type LockMode, type StatementEffect, type Work } from '../sql/effects.ts';

/**
 * The sentences every finding is built from, so that each one says the same things the same way:
 * which lock on which table, whether the table is rewritten or scanned.
 */

/** The strongest lock the statement takes on `table` and the most work it does there, from describeEffect. */
export function impactOn(effect: StatementEffect, table: string): { lock: LockMode; work: Work } {
  let lock: LockMode = 'ACCESS SHARE';
  let work: Work = 'none';
  for (const p of effect.parts) {
    if (p.table !== table) continue;
    if (p.lock && LOCK_MODES.indexOf(p.lock) > LOCK_MODES.indexOf(lock)) lock = p.lock;
    if (WORK_KINDS.indexOf(p.work) > WORK_KINDS.indexOf(work)) work = p.work;
  }
  return { lock, work };
}

export function lockPhrase(lock: LockMode, table: string): string {
  const blocks = lockBlocks(lock);
  return `takes ${lock} on ${table}${blocks === 'nothing' ? '' : ` (blocking ${blocks === 'DDL only' ? 'only DDL' : blocks})`}`;
}

export function workPhrase(work: Work): string {
  switch (work) {
    case 'rewrite':
      return 'and rewrites the whole table and its indexes while holding it';
    case 'scan':
      return 'and scans the whole table while holding it';
    case 'build':
      return 'and reads the whole table to build the index while holding it';
    case 'data':
      return 'and changes the rows in one long transaction while holding row locks';
    case 'catalog':
      return 'briefly: no rewrite or scan, a catalog change';
    case 'none':
      return 'with no rewrite or scan';
  }
}

/** "`subject` takes LOCK on table (blocking …) and rewrites …" */
export function impactSentence(subject: string, effect: StatementEffect, table: string): string {
  const { lock, work } = impactOn(effect, table);
  return `${subject} ${lockPhrase(lock, table)} ${workPhrase(work)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} kB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
