import { ConnectionError, redact } from '../../errors.ts';
import { countStatuses, type StatusCounts } from '../check-status.ts';
import { silentLogger, type Connector, type Logger } from '../../ports.ts';
import { readApplied } from '../ledger.ts';
import { compareLedger } from '../migrations/ledger-drift.ts';
import type { MigrationSet } from '../migrations/load.ts';
import { preflightChecks } from './registry.ts';
import { parseThresholds, type FreeStorageSource, type PreflightCheck, type PreflightContext, type PreflightResult, type ServerInfo, type ThresholdsInput } from './types.ts';

export interface PreflightOptions {
  readonly connector: Connector;
  readonly set: MigrationSet;
  /** Any subset; the rest take their defaults (see thresholdsSchema). */
  readonly thresholds?: ThresholdsInput;
  readonly freeStorageBytes?: FreeStorageSource;
  /** Run only these checks. @default all of {@link preflightChecks} */
  readonly only?: readonly string[];
  readonly logger?: Logger;
}

export interface PreflightReport {
  /** True when no check failed (warnings do not stop a run). */
  readonly passed: boolean;
  readonly server?: ServerInfo;
  readonly counts: StatusCounts;
  readonly results: readonly PreflightResult[];
  /** Pending versions, for the state machine's "nothing pending?" choice. */
  readonly pending: readonly string[];
}

/**
 * Runs the health checks against the database before anything changes. A check that cannot run
 * (missing privilege, unexpected catalog) reports a warning saying so rather than stopping the others.
 */
export async function runPreflight(options: PreflightOptions): Promise<PreflightReport> {
  const logger = options.logger ?? silentLogger;
  const thresholds = parseThresholds(options.thresholds ?? {}, 'thresholds');
  const checks = options.only ? preflightChecks.filter((c) => options.only!.includes(c.id)) : preflightChecks;
  const started = performance.now();
  let client;
  try {
    client = await options.connector.connect();
  } catch (error) {
    if (!(error instanceof ConnectionError)) throw error;
    const result: PreflightResult = {
      id: 'connectivity',
      status: 'fail',
      message: redact(error.message),
      remedy: 'Check the host, port, database name and credentials, and that this network may reach the database (security group, VPC).',
    };
    return summarize([result], undefined, []);
  }
  const connectMs = Math.round(performance.now() - started);
  try {
    const server = await serverInfo(client);
    const ctx: PreflightContext = {
      client,
      server,
      set: options.set,
      ledger: compareLedger(await readApplied(client), options.set),
      thresholds,
      connectMs,
      ...(options.freeStorageBytes && { freeStorageBytes: options.freeStorageBytes }),
    };
    const results: PreflightResult[] = [];
    for (const check of checks) results.push(await runOne(check, ctx));
    for (const r of results) if (r.status !== 'pass') logger.warn('preflight check did not pass', { check: r.id, status: r.status, message: r.message });
    return summarize(results, server, ctx.ledger.pending.map((m) => m.version));
  } finally {
    await client.end().catch(() => {});
  }
}

async function runOne(check: PreflightCheck, ctx: PreflightContext): Promise<PreflightResult> {
  try {
    return await check.run(ctx);
  } catch (error) {
    const e = error as { message?: string; code?: string };
    return {
      id: check.id,
      status: 'warn',
      message: `could not run: ${redact(e.message ?? String(error))}${e.code ? ` (SQLSTATE ${e.code})` : ''}`,
      remedy: e.code === '42501' ? 'Grant the pg_monitor role to the migration user so Airlock can read the server statistics.' : 'Check this by hand before migrating.',
    };
  }
}

export async function serverInfo(client: { query: (text: string) => Promise<{ rows: any[] }> }): Promise<ServerInfo> {
  const { rows } = await client.query(
    `SELECT current_setting('server_version_num')::int AS "versionNum", current_setting('server_version') AS version,
            pg_is_in_recovery() AS "inRecovery", to_regproc('aurora_version') IS NOT NULL AS aurora`,
  );
  return rows[0];
}

function summarize(results: PreflightResult[], server: ServerInfo | undefined, pending: string[]): PreflightReport {
  const counts = countStatuses(results);
  return { passed: counts.fail === 0, ...(server && { server }), counts, results, pending };
}
