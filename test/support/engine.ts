import { apply, down, type ApplyOptions, type DownOptions } from '../../lambdas/engine/apply.ts';
import type { EngineEvent } from '../../lambdas/engine/events.ts';
import { loadMigrationSet } from '../../lambdas/engine/migrations/load.ts';
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
