import { describe, expect, it } from 'vitest';
import { InputError } from '../../lambdas/errors.ts';
import { judgeReplicaLag } from '../../lambdas/engine/preflight/checks/replica-lag.ts';
import { humanBytes, humanMs, parseThresholds, thresholdsSchema } from '../../lambdas/engine/preflight/types.ts';

const lagLimits = { warnAfterMs: 5_000, failAfterMs: 30_000 };

describe('judgeReplicaLag', () => {
  it('passes replicas that keep up, including an idle one with no reported lag', () => {
    const r = judgeReplicaLag([{ name: 'replica-a', lagMs: 120, lagBytes: 0 }, { name: 'replica-b', lagMs: null, lagBytes: 0 }], lagLimits, 'pg_stat_replication');
    expect(r).toMatchObject({ status: 'pass', message: '2 replicas; most behind: replica-a at 120 ms', remedy: '' });
  });

  it('warns, then fails, as the worst replica falls behind', () => {
    expect(judgeReplicaLag([{ name: 'a', lagMs: 6_000, lagBytes: 1 }], lagLimits, 's')).toMatchObject({ status: 'warn', remedy: expect.stringMatching(/Wait until a catches up/) });
    expect(judgeReplicaLag([{ name: 'a', lagMs: 100, lagBytes: 1 }, { name: 'b', lagMs: 45_000, lagBytes: 1 }], lagLimits, 's')).toMatchObject({ status: 'fail', message: '2 replicas; most behind: b at 45 s' });
  });
});

describe('thresholdsSchema', () => {
  it('fills every default and reads durations written as text', () => {
    const t = thresholdsSchema.parse({ longTransactions: { failAfterMs: '10min' } });
    expect(t.longTransactions).toEqual({ warnAfterMs: 60_000, failAfterMs: 600_000 });
    expect(t.offPeak).toMatchObject({ maxActiveSessions: 20, status: 'fail' });
  });

  it('rejects an unknown section and a bad duration', () => {
    expect(() => thresholdsSchema.parse({ longTransaction: {} })).toThrow(/longTransaction/);
    expect(() => thresholdsSchema.parse({ replicaLag: { warnAfterMs: 'soon' } })).toThrow(/'soon' is not a duration/);
  });

  it('reports bad thresholds as an InputError naming where they came from, for every caller of runPreflight', () => {
    expect(parseThresholds({ longTransactions: { failAfterMs: '10min' } }, 'x').longTransactions.failAfterMs).toBe(600_000);
    let error: unknown;
    try {
      parseThresholds({ replicaLag: { warnAfterMs: 'soon' } }, 'execution input');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems).toEqual([{ file: 'execution input', message: expect.stringMatching(/^replicaLag\.warnAfterMs: /) }]);
  });
});

describe('human units', () => {
  it('prints durations and sizes the way an operator reads them', () => {
    expect([humanMs(850), humanMs(12_345), humanMs(270_000), humanMs(9_000_000)]).toEqual(['850 ms', '12.3 s', '4.5 min', '2.5 h']);
    expect([humanBytes(512), humanBytes(1536), humanBytes(5 * 1024 ** 3)]).toEqual(['512 B', '1.5 kB', '5.0 GB']);
  });
});
