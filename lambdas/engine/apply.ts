import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ChecksumMismatchError, InputError, MissingDownScriptError, OutOfOrderError, redact } from '../errors.ts';
import { silentLogger, type Connector, type Logger } from '../ports.ts';
import type { EventSink } from './events.ts';
import { effectBlocksClients, pastDeadline, runScript, type Cursor, type ExecutionSettings } from './execute.ts';
import { ensureLedger, finishRun, readApplied, recordApplied, removeApplied, startRun, type AppliedMigration } from './ledger.ts';
import { compareLedger } from './migrations/ledger-drift.ts';
import { compareVersions, normalizeVersion, type Migration, type MigrationSet } from './migrations/load.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { readDatabaseSchema } from './lint/database.ts';
import { gateForApply } from './lint/gate.ts';
import { SchemaTracker } from './lint/schema.ts';
import { acquireRunLock } from './run-lock.ts';
import { checkServerSupports, serverVersion, type ServerVersion } from './server-version.ts';
import { describeEffect, lockBlocks, type StatementEffect } from './sql/effects.ts';

export interface RunOptions {
  readonly connector: Connector;
  readonly set: MigrationSet;
  /** Identifies the run in the ledger; Step Functions passes its execution name. @default a fresh random id */
  readonly runId?: string;
  /** lock_timeout for statements that block clients. @default 500 – pgroll's choice: a queue behind a waiting ACCESS EXCLUSIVE stalls every client for at most this long */
  readonly lockTimeoutMs?: number;
  /** statement_timeout. @default 0 – none; set it per run or per file (`-- airlock:statement-timeout`) */
  readonly statementTimeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** How long to wait for another run's lock before giving up. @default 10000 */
  readonly lockWaitMs?: number;
  /** Stop cleanly after the current migration or batch once this much time has passed. @default none */
  readonly timeBudgetMs?: number;
  readonly logger?: Logger;
  readonly onEvent?: EventSink;
}

export interface ApplyOptions extends RunOptions {
  /** Apply up to and including this version. @default every pending migration */
  readonly to?: string;
  /** Apply pending versions lower than the highest applied one. @default false */
  readonly allowOutOfOrder?: boolean;
  /** Lint rule ids to let through for this run (`--allow-unsafe`); recorded in airlock.runs. */
  readonly allowUnsafe?: readonly string[];
  /**
   * Runs before anything changes, with the pending migrations. Throw to refuse the run; return the
   * rule ids overridden for this run (recorded in airlock.runs).
   * @default the lint gate: unacknowledged error findings refuse the run
   */
  readonly gate?: (pending: readonly Migration[], client: pg.Client) => Promise<readonly string[]>;
}

export interface MigrationSummary {
  readonly version: string;
  readonly name: string;
  readonly durationMs: number;
}

export interface RunResult {
  /** False when the time budget ran out: call again to resume from the ledger. */
  readonly done: boolean;
  readonly runId: string;
  /** Migrations completed by this call. */
  readonly migrations: readonly MigrationSummary[];
  readonly cursor?: Cursor;
}

const newRunId = (): string => `run-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;

/** Applies pending migrations; see DESIGN.md "Applying". */
export async function apply(options: ApplyOptions): Promise<RunResult> {
  return withRun(options, 'migrate', async ({ work, applied, settings, record, server }) => {
    const pending = pendingMigrations(options.set, applied, options);
    checkServerSupports(server, pending);
    const gate = options.gate ?? gateForApply(options.set, options.allowUnsafe ?? []);
    const overridden = await gate(pending, work);
    await record({ server: server.text, to: options.to ?? null, allowOutOfOrder: options.allowOutOfOrder ?? false, allowUnsafe: overridden, pending: pending.map((m) => m.version) });
    return runEach(work, settings, 'up', pending);
  });
}

export interface DownOptions extends RunOptions {
  /** Reverse every applied migration above this version (`0` reverses all). */
  readonly to: string;
}

/** Runs down scripts newest first for every applied version above `to`; refuses before changing anything if one lacks a down script. */
export async function down(options: DownOptions): Promise<RunResult> {
  const target = normalizeTarget(options.to);
  return withRun(options, 'down', async ({ work, applied, settings, record, server }) => {
    const byVersion = new Map(options.set.migrations.map((m) => [m.version, m]));
    const toReverse = applied.filter((a) => compareVersions(a.version, target) > 0).reverse();
    const missing = toReverse.filter((a) => !byVersion.get(a.version)?.down);
    const reversing = toReverse.map((a) => byVersion.get(a.version)!);
    if (missing.length > 0) {
      throw new MissingDownScriptError(
        `cannot go down to ${target}: ${missing.map((a) => `${a.version} (${a.name})`).join(', ')} ${missing.length === 1 ? 'has' : 'have'} no down script; ` +
          `add <version>_<name>.down.sql for ${missing.length === 1 ? 'it' : 'each'}, or restore from a snapshot. Nothing was changed.`,
      );
    }
    checkServerSupports(server, reversing, 'down');
    await record({ server: server.text, to: target, reverse: toReverse.map((a) => a.version) });
    return runEach(work, settings, 'down', reversing);
  });
}

export interface StatusReport {
  readonly applied: ReadonlyArray<{ version: string; name: string; checksum: string; appliedAt: string }>;
  readonly pending: ReadonlyArray<{ version: string; name: string }>;
  /** Applied migrations whose file changed since. */
  readonly changed: ReadonlyArray<{ version: string; file: string }>;
  /** Applied migrations with no file in the directory. */
  readonly missing: ReadonlyArray<{ version: string; name: string }>;
}

/** What is applied and what is pending. Reads only; never creates the ledger. */
export async function status(options: { connector: Connector; set: MigrationSet }): Promise<StatusReport> {
  const client = await options.connector.connect();
  try {
    const c = compareLedger(await readApplied(client), options.set);
    return {
      applied: c.applied.map((a) => ({ version: a.version, name: a.name, checksum: a.checksum, appliedAt: a.appliedAt.toISOString() })),
      pending: c.pending.map((m) => ({ version: m.version, name: m.name })),
      changed: c.changed.map((m) => ({ version: m.version, file: m.file })),
      missing: c.missing.map((a) => ({ version: a.version, name: a.name })),
    };
  } finally {
    await client.end().catch(() => {});
  }
}

export interface PlannedStatement {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly sql: string;
  readonly effect: StatementEffect;
  /** The lock_timeout this statement runs under; 0 when it blocks no client and may wait. */
  readonly lockTimeoutMs: number;
  readonly batched: boolean;
}

export interface PlannedMigration {
  readonly version: string;
  readonly name: string;
  readonly file: string;
  readonly mode: 'transaction' | 'autocommit';
  readonly statements: readonly PlannedStatement[];
}

/** The dry run: what `apply` would do, statement by statement, without changing anything. */
export interface Plan {
  readonly server: ServerVersion;
  /** What the server's version means for this plan, e.g. which CONCURRENTLY forms it has. */
  readonly serverNotes: readonly string[];
  readonly migrations: readonly PlannedMigration[];
}

export async function plan(options: Pick<ApplyOptions, 'connector' | 'set' | 'to' | 'allowOutOfOrder' | 'lockTimeoutMs'>): Promise<Plan> {
  const client = await options.connector.connect();
  let applied: AppliedMigration[];
  let server: ServerVersion;
  let schema: SchemaTracker;
  try {
    server = await serverVersion(client);
    applied = await readApplied(client);
    // The linter's view of the schema, so that the plan and the lint gate judge with the same facts.
    schema = new SchemaTracker(await readDatabaseSchema(client));
  } finally {
    await client.end().catch(() => {});
  }
  checkApplied(options.set, applied);
  const pending = pendingMigrations(options.set, applied, options);
  checkServerSupports(server, pending);
  const migrations = pending.map((m): PlannedMigration => ({
    version: m.version,
    name: m.name,
    file: m.up.file,
    mode: m.up.autocommit ? 'autocommit' : 'transaction',
    statements: m.up.statements.map((s) => {
      const effect = describeEffect(s, schema.effectContext());
      schema.apply(s, true);
      const lockTimeoutMs = m.up.directives.lockTimeoutMs ?? options.lockTimeoutMs ?? 500;
      return {
        file: m.up.file,
        line: s.line,
        column: s.column,
        sql: s.text,
        effect,
        lockTimeoutMs: !m.up.autocommit || s.batched || effectBlocksClients(effect) ? lockTimeoutMs : 0,
        batched: s.batched,
      };
    }),
  }));
  // Servers older than 13 are refused above, so only what 13 lacks is worth a note.
  const serverNotes = [server.num >= 140000 ? 'DETACH PARTITION CONCURRENTLY is available (14+)' : 'DETACH PARTITION CONCURRENTLY is not available before 14'];
  return { server, serverNotes, migrations };
}

/** One line a statement for the dry-run: lock, what it blocks, work, transaction mode. */
export function describePlannedStatement(s: PlannedStatement): string {
  const lock = s.effect.locks[0];
  const locks = lock ? `${lock.lock} on ${lock.table} (blocks ${lockBlocks(lock.lock)})` : 'no table lock';
  const work = { none: 'no table work', catalog: 'catalog only', data: 'changes rows', scan: 'scans the table', build: 'builds an index', rewrite: 'REWRITES the table' }[s.effect.work];
  const wait = s.lockTimeoutMs > 0 ? `lock_timeout ${s.lockTimeoutMs}ms` : 'waits for its lock (blocks no client)';
  return `${locks}; ${work}; ${s.batched ? 'batched, each batch committed' : s.effect.transaction}; ${wait}`;
}

function normalizeTarget(to: string): string {
  if (!/^\d+([._]\d+)*$/.test(to)) throw new InputError([{ file: '--to', message: `'${to}' is not a version; give a number such as 3 or 0003 (0 for all).` }]);
  return normalizeVersion(to);
}

/** Refuses when an applied migration's file changed since it ran. */
function checkApplied(set: MigrationSet, applied: readonly AppliedMigration[]): void {
  const { changed } = compareLedger(applied, set);
  if (changed.length > 0) {
    throw new ChecksumMismatchError(
      `${changed.map((c) => c.file).join(', ')} changed after ${changed.length === 1 ? 'it was' : 'they were'} applied ` +
        `(checksum differs from the ledger); restore the applied text and put the change in a new migration. Nothing was changed.`,
    );
  }
}

function pendingMigrations(set: MigrationSet, applied: readonly AppliedMigration[], options: { to?: string; allowOutOfOrder?: boolean }): Migration[] {
  const target = options.to === undefined ? undefined : normalizeTarget(options.to);
  if (target !== undefined && !set.migrations.some((m) => m.version === target) && !applied.some((a) => a.version === target)) {
    throw new InputError([{ file: set.dir, message: `--to ${options.to}: no migration has version ${target}; pick one of ${set.migrations.map((m) => m.version).join(', ') || '(none)'}.` }]);
  }
  const ledger = compareLedger(applied, set);
  const pending = ledger.pending.filter((m) => target === undefined || compareVersions(m.version, target) <= 0);
  const early = ledger.outOfOrder.filter((m) => pending.includes(m));
  const highest = applied[applied.length - 1]?.version;
  if (early.length > 0 && !options.allowOutOfOrder) {
    throw new OutOfOrderError(
      `${early.map((m) => m.up.file).join(', ')} ${early.length === 1 ? 'is' : 'are'} pending but older than the highest applied version ${highest}; ` +
        `renumber ${early.length === 1 ? 'it' : 'them'} above ${highest}, or pass --allow-out-of-order if ${early.length === 1 ? 'it is' : 'they are'} independent. Nothing was changed.`,
    );
  }
  return pending;
}

/**
 * Runs each migration's up (or down) script in order, recording it in the ledger with its script,
 * until all are done or the time budget stops the run between two migrations.
 */
async function runEach(work: pg.Client, settings: ExecutionSettings, direction: 'up' | 'down', migrations: readonly Migration[]): Promise<Omit<RunResult, 'runId'>> {
  const done: MigrationSummary[] = [];
  for (const m of migrations) {
    if (pastDeadline(settings)) {
      return { done: false, migrations: done, cursor: { version: m.version, direction, statementIndex: 0 } };
    }
    const script = direction === 'up' ? m.up : m.down!;
    const started = Date.now();
    settings.emit({ type: 'migration-start', direction, version: m.version, name: m.name, file: script.file, mode: script.autocommit ? 'autocommit' : 'transaction' });
    const entry = (client: pg.Client) => {
      const row = { version: m.version, name: m.name, checksum: script.checksum, durationMs: Date.now() - started, runId: settings.runId };
      return direction === 'up' ? recordApplied(client, row) : removeApplied(client, row);
    };
    const outcome = await runScript(work, { version: m.version, name: m.name, direction, script }, settings, entry);
    if (!outcome.done) return { done: false, migrations: done, cursor: outcome.cursor };
    const durationMs = Date.now() - started;
    settings.emit({ type: 'migration-done', direction, version: m.version, name: m.name, durationMs });
    settings.logger.info(direction === 'up' ? 'migration applied' : 'migration reversed', { version: m.version, name: m.name, durationMs });
    done.push({ version: m.version, name: m.name, durationMs });
  }
  return { done: true, migrations: done };
}

interface RunContext {
  readonly work: pg.Client;
  readonly server: ServerVersion;
  readonly applied: AppliedMigration[];
  readonly settings: ExecutionSettings;
  /** Creates the ledger if need be and records the run in airlock.runs (details in its options jsonb). */
  readonly record: (details: Record<string, unknown>) => Promise<void>;
}

/**
 * The frame of every changing run: the advisory lock on its own connection, the ledger, checksums
 * checked, the run recorded, and everything closed whatever happens.
 */
async function withRun(options: RunOptions, command: string, body: (ctx: RunContext) => Promise<Omit<RunResult, 'runId'>>): Promise<RunResult> {
  const logger = options.logger ?? silentLogger;
  const runId = options.runId ?? newRunId();
  const lockClient = await options.connector.connect();
  let work: pg.Client | undefined;
  try {
    const lock = await acquireRunLock(lockClient, options.lockWaitMs ?? 10_000);
    try {
      work = await options.connector.connect();
      const server = await serverVersion(work);
      const applied = await readApplied(work);
      checkApplied(options.set, applied);
      const settings: ExecutionSettings = {
        runId,
        lockTimeoutMs: options.lockTimeoutMs ?? 500,
        statementTimeoutMs: options.statementTimeoutMs ?? 0,
        retry: { ...DEFAULT_RETRY, ...options.retry },
        deadline: options.timeBudgetMs === undefined ? undefined : Date.now() + options.timeBudgetMs,
        emit: options.onEvent ?? (() => {}),
        logger,
        lock,
      };
      let recorded = false;
      const w = work;
      // Nothing, not even the ledger, is created until the checks and the gate have passed.
      const record = async (details: Record<string, unknown>): Promise<void> => {
        await ensureLedger(w);
        await startRun(lockClient, { runId, command, options: details });
        recorded = true;
      };
      try {
        const result = await body({ work, server, applied, settings, record });
        if (recorded) await finishRun(lockClient, runId, result.done ? 'succeeded' : 'paused');
        return { ...result, runId };
      } catch (error) {
        if (recorded) await finishRun(lockClient, runId, 'failed', redact((error as Error).message)).catch(() => {});
        throw error;
      }
    } finally {
      await lock.release();
    }
  } finally {
    await work?.end().catch(() => {});
    await lockClient.end().catch(() => {});
  }
}
