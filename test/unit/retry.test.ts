import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, backoffDelay, isRetryable } from '../../lambdas/engine/retry.ts';

describe('backoffDelay', () => {
  it('doubles from the base delay, half fixed and half jittered', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 10_000 };
    expect([1, 2, 3].map((n) => backoffDelay(policy, n, () => 0))).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((n) => backoffDelay(policy, n, () => 1))).toEqual([100, 200, 400]);
  });

  it('never waits longer than the cap', () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(policy, 30, () => 1)).toBe(1000);
  });
});

describe('isRetryable', () => {
  it('retries lock_not_available and deadlock_detected only', () => {
    expect(isRetryable({ code: '55P03' })).toBe(true);
    expect(isRetryable({ code: '40P01' })).toBe(true);
    expect(isRetryable({ code: '42P01' })).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(false);
  });
});
