import type pg from 'pg';
import { InputError, type InputProblem } from '../../errors.ts';
import { countStatuses, type StatusCounts } from '../check-status.ts';
import { silentLogger, type Connector, type Logger } from '../../ports.ts';
import { readApplied, type AppliedMigration } from '../ledger.ts';
import type { MigrationSet } from '../migrations/load.ts';
import { checkCreatedIndexes, checkLedgerMatchesFiles, checkNoInvalidIndexes, checkNotValidConstraints } from './built-ins.ts';
import { checksOfScript, type VerifyCheck } from './checks-file.ts';
import { DEFAULT_CHECK_TIMEOUT_MS, runCheck, type CheckResult, type RunCheckOptions } from './run-check.ts';

export interface VerificationOptions extends RunCheckOptions {
  readonly connector: Connector;
  readonly set: MigrationSet;
  /**
   * The run whose created indexes must exist and be valid.
   * @default the run that applied the most recently applied migration
   */
  readonly runId?: string;
  /** Run only these migrations' verify files. @default every applied migration's */
  readonly versions?: readonly string[];
  /** Run Airlock's built-in checks too. @default true */
  readonly builtIns?: boolean;
  readonly logger?: Logger;
}

export interface VerificationReport {
  /** True when no check failed (warnings do not fail verification). */
  readonly passed: boolean;
  readonly runId?: string;
  readonly counts: StatusCounts;
  readonly results: readonly CheckResult[];
}

/**
 * The checks of the verify files of the given applied migrations, in version order. Every
 * problem in every file is reported together in one {@link InputError} before anything runs.
 */
export function verifyChecksOf(set: MigrationSet, versions: ReadonlySet<string>): VerifyCheck[] {
  const problems: InputProblem[] = [];
  const checks: VerifyCheck[] = [];
  for (const m of set.migrations) {
    if (!m.verify || !versions.has(m.version)) continue;
    try {
      checks.push(...checksOfScript(m.verify, m.version));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return checks;
}

/** The run that applied the most recently applied migration. */
export function latestRunId(applied: readonly AppliedMigration[]): string | undefined {
  return [...applied].sort((a, b) => b.appliedAt.getTime() - a.appliedAt.getTime())[0]?.runId;
}

/** Runs the built-in checks, then the verify files of applied migrations; see DESIGN.md "Verify files". */
export async function runVerification(options: VerificationOptions): Promise<VerificationReport> {
  const logger = options.logger ?? silentLogger;
  const client = await options.connector.connect();
  try {
    return await verifyWithClient(client, options, logger);
  } finally {
    await client.end().catch(() => {});
  }
}

async function verifyWithClient(client: pg.Client, options: VerificationOptions, logger: Logger): Promise<VerificationReport> {
  const applied = await readApplied(client);
  const appliedVersions = new Set(applied.map((a) => a.version));
  const wanted = new Set((options.versions ?? [...appliedVersions]).filter((v) => appliedVersions.has(v)));
  const checks = verifyChecksOf(options.set, wanted);
  const runId = options.runId ?? latestRunId(applied);
  const timeoutMs = options.statementTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const results: CheckResult[] = [];
  if (options.builtIns ?? true) {
    results.push(await checkNoInvalidIndexes(client, timeoutMs));
    results.push(await checkCreatedIndexes(client, options.set, applied, runId, timeoutMs));
    results.push(await checkNotValidConstraints(client, timeoutMs));
    results.push(checkLedgerMatchesFiles(options.set, applied));
  }
  for (const check of checks) results.push(await runCheck(client, check, options));
  const counts = countStatuses(results);
  for (const r of results) {
    if (r.status !== 'pass') logger.warn('verification check did not pass', { check: r.name, source: r.source, status: r.status, message: r.message });
  }
  logger.info('verification finished', { ...counts });
  return { passed: counts.fail === 0, ...(runId !== undefined && { runId }), counts, results };
}
