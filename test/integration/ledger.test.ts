import { describe, expect, it } from 'vitest';
import { ensureLedger, readApplied, recordApplied } from '../../lambdas/engine/ledger.ts';
import { useTestDatabase } from '../support/db.ts';

const db = useTestDatabase();

describe('ledger', () => {
  it('reads as empty before it exists, without creating it', async () => {
    expect(await readApplied(db.client)).toEqual([]);
    const { rows } = await db.sql(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'airlock'`);
    expect(rows[0].n).toBe(0);
  });

  it('is created once and upgraded idempotently, recording its own version', async () => {
    await ensureLedger(db.client);
    await ensureLedger(db.client);
    const { rows } = await db.sql('SELECT version FROM airlock.ledger_version ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual([1]);
  });

  it('returns applied migrations in numeric version order', async () => {
    for (const version of ['10', '2', '1.10', '1.2']) {
      await recordApplied(db.client, { version, name: `m${version}`, checksum: 'c', durationMs: 1, runId: 'r' });
    }
    expect((await readApplied(db.client)).map((m) => m.version)).toEqual(['1.2', '1.10', '2', '10']);
  });
});
