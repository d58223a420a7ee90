/** How lock-timeout retries back off: capped, jittered, bounded in attempts and in total time. */
export interface RetryPolicy {
  /** @default 10 – enough to outlast a few seconds of lock contention */
  readonly maxAttempts: number;
  /** @default 200 – the first pause; doubles each attempt */
  readonly baseDelayMs: number;
  /** @default 5000 – no single pause longer than this */
  readonly maxDelayMs: number;
  /** @default 120000 – give up when the retries of one statement have taken this long */
  readonly maxTotalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 200, maxDelayMs: 5000, maxTotalMs: 120_000 };

/** SQLSTATEs worth retrying: lock_not_available (lock_timeout) and deadlock_detected. */
const RETRYABLE = new Set(['55P03', '40P01']);

export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has((error as { code?: string })?.code ?? '');
}

/** "Equal jitter": half the exponential delay fixed, half random, so retries neither stampede nor stall. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
