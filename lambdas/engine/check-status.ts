/** The verdict of one check, preflight or verification: a warning never stops a run. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface StatusCounts {
  readonly pass: number;
  readonly warn: number;
  readonly fail: number;
}

export function countStatuses(results: ReadonlyArray<{ readonly status: CheckStatus }>): StatusCounts {
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/** `3 passed, 1 warning, 0 failed`, as both reports end. */
export function describeCounts(c: StatusCounts): string {
  return `${c.pass} passed, ${c.warn} warning${c.warn === 1 ? '' : 's'}, ${c.fail} failed`;
}

export const STATUS_LABEL: Readonly<Record<CheckStatus, string>> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };
