import type pg from 'pg';
import { apply, down, type ApplyOptions, type DownOptions } from '../../lambdas/engine/apply.ts';
import type { EngineEvent } from '../../lambdas/engine/events.ts';
import { ensureLedger, recordApplied } from '../../lambdas/engine/ledger.ts';
import { loadMigrationSet, type MigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { urlConnector } from '../../lambdas/local/url-connector.ts';
import { migrationDir } from './migration-dir.ts';

/** Fast retries for tests: the behaviour is the same, the waits are short. */
export const quickRetry = { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 50, maxTotalMs: 20_000 };

/** Applies a directory of migrations to `url`, collecting the engine's events. */
export async function applyDir(url: string, dir: string, options: Partial<ApplyOptions> = {}) {
  const events: EngineEvent[] = [];
  const set = await loadMigrationSet(dir);
  const result = await apply({ connector: urlConnector(url), set, retry: quickRetry, onEvent: (e) => events.push(e), ...options });
  return { ...result, events };
}

export async function downDir(url: string, dir: string, options: Partial<DownOptions> & { to: string }) {
  const events: EngineEvent[] = [];
  const set = await loadMigrationSet(dir);
  const result = await down({ connector: urlConnector(url), set, retry: quickRetry, onEvent: (e) => events.push(e), ...options });
  return { ...result, events };
}

export async function applyFiles(url: string, files: Record<string, string>, options: Partial<ApplyOptions> = {}) {
  const dir = await migrationDir(files);
  return { dir, ...(await applyDir(url, dir, options)) };
}

/**
 * Stands in for the apply engine, for tests of what reads the ledger: runs the up scripts of
 * `versions` statement by statement on `client` and records each as applied by run `runId`.
 */
export async function applyBySql(client: pg.Client, set: MigrationSet, versions: string[], runId: string): Promise<void> {
  await ensureLedger(client);
  for (const m of set.migrations.filter((x) => versions.includes(x.version))) {
    for (const s of m.up.statements) await client.query(s.executable);
    await recordApplied(client, { version: m.version, name: m.name, checksum: m.up.checksum, durationMs: 1, runId });
  }
}
