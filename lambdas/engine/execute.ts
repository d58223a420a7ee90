import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ChecksumMismatchError, LockTimeoutError, MigrationFailedError, formatPosition, type SourcePosition } from '../errors.ts';
import type { Logger } from '../ports.ts';
import { runBatches } from './backfill.ts';
import type { EventSink } from './events.ts';
import { clearProgress, readProgress, writeProgress, type Direction } from './ledger.ts';
import type { MigrationScript } from './migrations/load.ts';
import { backoffDelay, isRetryable, sleep, type RetryPolicy } from './retry.ts';
import { LOCK_MODES, describeEffect, quoteQualified, relationName, type StatementEffect } from './sql/effects.ts';
import { positionInStatement, type ParsedStatement } from './sql/parse.ts';
import type { RunLock } from './run-lock.ts';

export interface ExecutionSettings {
  readonly runId: string;
  /** lock_timeout for statements whose lock blocks clients (ms). */
  readonly lockTimeoutMs: number;
  /** statement_timeout (ms); 0 means none. */
  readonly statementTimeoutMs: number;
  readonly retry: RetryPolicy;
  /** Wall-clock time (epoch ms) after which no new migration, statement or batch starts. */
  readonly deadline: number | undefined;
  readonly emit: EventSink;
  readonly logger: Logger;
  readonly lock: RunLock;
}

/** Where a paused run stands; the ledger holds the truth, this is what the state machine carries. */
export interface Cursor {
  readonly version: string;
  readonly direction: Direction;
  readonly statementIndex: number;
  readonly key?: string | null;
}

export type ScriptOutcome = { readonly done: true } | { readonly done: false; readonly cursor: Cursor };

interface Target {
  readonly version: string;
  readonly name: string;
  readonly direction: Direction;
  readonly script: MigrationScript;
}

export const statementChecksum = (stmt: ParsedStatement): string => createHash('sha256').update(stmt.text).digest('hex');

export const pastDeadline = (s: ExecutionSettings): boolean => s.deadline !== undefined && Date.now() >= s.deadline;

/**
 * Runs one migration script: in one transaction, or statement by statement in autocommit with
 * per-statement progress in the ledger. `record` writes the ledger entry; it runs inside the
 * migration's transaction, or in a last small transaction after an autocommit script.
 */
export async function runScript(work: pg.Client, target: Target, settings: ExecutionSettings, record: (client: pg.Client) => Promise<void>): Promise<ScriptOutcome> {
  return target.script.autocommit ? runAutocommit(work, target, settings, record) : runTransactional(work, target, settings, record);
}

async function runTransactional(work: pg.Client, t: Target, s: ExecutionSettings, record: (client: pg.Client) => Promise<void>): Promise<ScriptOutcome> {
  const lockTimeout = t.script.directives.lockTimeoutMs ?? s.lockTimeoutMs;
  const statementTimeout = t.script.directives.statementTimeoutMs ?? s.statementTimeoutMs;
  await withRetries(t, s, t.script.statements[0], async (current) => {
    s.lock.assertHeld();
    await work.query('BEGIN');
    try {
      await setTimeouts(work, lockTimeout, statementTimeout, true);
      for (const stmt of t.script.statements) {
        current(stmt);
        await work.query(stmt.executable);
      }
      await record(work);
      await work.query('COMMIT');
    } catch (error) {
      await work.query('ROLLBACK').catch(() => {});
      throw error;
    }
  });
  return { done: true };
}

async function runAutocommit(work: pg.Client, t: Target, s: ExecutionSettings, record: (client: pg.Client) => Promise<void>): Promise<ScriptOutcome> {
  const progress = await readProgress(work, t.version, t.direction);
  // Progress is keyed by statement: statements already done must be unchanged; the one that failed may be fixed.
  for (const p of progress.values()) {
    const stmt = t.script.statements[p.statementIndex];
    if ((p.done || p.cursor !== null) && (!stmt || statementChecksum(stmt) !== p.checksum)) {
      throw new ChecksumMismatchError(
        `${t.script.file}: statement ${p.statementIndex + 1} was already applied by an earlier run and has changed since; restore its text (only the failed statement and those after it may change), then run again.`,
      );
    }
  }
  try {
    for (const stmt of t.script.statements) {
      const p = progress.get(stmt.index);
      if (p?.done) continue;
      if (pastDeadline(s)) return { done: false, cursor: { version: t.version, direction: t.direction, statementIndex: stmt.index, key: p?.cursor ?? null } };
      s.lock.assertHeld();
      if (stmt.batched) {
        const outcome = await runBatches(work, t, stmt, p, s);
        if (!outcome.done) return outcome;
        continue;
      }
      const checksum = statementChecksum(stmt);
      if (p?.started && (await recoverInterrupted(work, t, stmt, s)) === 'already-done') {
        await writeProgress(work, { version: t.version, direction: t.direction, statementIndex: stmt.index, checksum, runId: s.runId, done: true });
        continue;
      }
      await writeProgress(work, { version: t.version, direction: t.direction, statementIndex: stmt.index, checksum, runId: s.runId, done: false });
      const blocksClients = statementBlocksClients(stmt);
      await withRetries(t, s, stmt, async () => {
        await setTimeouts(
          work,
          blocksClients ? (t.script.directives.lockTimeoutMs ?? s.lockTimeoutMs) : 0,
          t.script.directives.statementTimeoutMs ?? s.statementTimeoutMs,
          false,
        );
        await work.query(stmt.executable);
      }, () => cleanUpFailedBuild(work, t, stmt, s));
      await writeProgress(work, { version: t.version, direction: t.direction, statementIndex: stmt.index, checksum, runId: s.runId, done: true });
    }
  } finally {
    await work.query('RESET lock_timeout; RESET statement_timeout').catch(() => {});
  }
  await work.query('BEGIN');
  try {
    await record(work);
    await clearProgress(work, t.version, t.direction);
    await work.query('COMMIT');
  } catch (error) {
    await work.query('ROLLBACK').catch(() => {});
    throw error;
  }
  return { done: true };
}

/**
 * A statement whose lock conflicts with what clients take (ROW EXCLUSIVE for writes, ACCESS SHARE
 * for reads) must not queue for long: it gets lock_timeout. A SHARE UPDATE EXCLUSIVE statement
 * (CONCURRENTLY builds, VALIDATE) blocks no client while it waits, and CREATE INDEX CONCURRENTLY
 * must wait for every older transaction, so it waits without a lock timeout.
 */
export function statementBlocksClients(stmt: Pick<ParsedStatement, 'kind' | 'node'>): boolean {
  return effectBlocksClients(describeEffect(stmt));
}

/**
 * {@link statementBlocksClients} from an effect already described. Lock modes do not depend on the
 * schema context (it only names tables and refines the work), so an effect described with one
 * gives the same answer as the executor's.
 */
export function effectBlocksClients(effect: Pick<StatementEffect, 'locks'>): boolean {
  const strongest = effect.locks[0]?.lock;
  return strongest === undefined || LOCK_MODES.indexOf(strongest) > LOCK_MODES.indexOf('SHARE UPDATE EXCLUSIVE');
}

/** `SET [LOCAL] lock_timeout …; SET [LOCAL] statement_timeout …`, as text so it can share a round trip. */
export function timeoutsSql(lockTimeoutMs: number, statementTimeoutMs: number, local: boolean): string {
  const set = local ? 'SET LOCAL' : 'SET';
  return `${set} lock_timeout = '${Math.round(lockTimeoutMs)}ms'; ${set} statement_timeout = '${Math.round(statementTimeoutMs)}ms'`;
}

export async function setTimeouts(client: pg.Client, lockTimeoutMs: number, statementTimeoutMs: number, local: boolean): Promise<void> {
  await client.query(timeoutsSql(lockTimeoutMs, statementTimeoutMs, local));
}

/**
 * Runs `attempt`, retrying lock timeouts and deadlocks with capped, jittered backoff. Any other
 * error, or running out of attempts or time, becomes an error naming the file and line.
 */
export async function withRetries(
  t: Target,
  s: ExecutionSettings,
  first: ParsedStatement | undefined,
  attempt: (current: (stmt: ParsedStatement) => void) => Promise<void>,
  beforeRetry?: () => Promise<void>,
): Promise<void> {
  const started = Date.now();
  for (let n = 1; ; n++) {
    let current = first;
    try {
      await attempt((stmt) => {
        current = stmt;
      });
      return;
    } catch (error) {
      const where = positionOf(t.script, current, error);
      const code = (error as { code?: string }).code;
      if (!isRetryable(error)) throw failure(t, where, error);
      const delay = backoffDelay(s.retry, n);
      if (n >= s.retry.maxAttempts || Date.now() - started + delay > s.retry.maxTotalMs) {
        throw new LockTimeoutError(
          `${formatPosition(where)}: could not get its lock after ${n} attempts in ${Math.round((Date.now() - started) / 1000)}s (${(error as Error).message}); ` +
            `the migration was rolled back. Find what holds the table (pg_locks / pg_stat_activity), then run again, or raise --lock-timeout.`,
          { cause: error },
        );
      }
      s.emit({ type: 'retry', version: t.version, file: t.script.file, line: where.line ?? 0, attempt: n, delayMs: delay, sqlState: code ?? '' });
      s.logger.warn('lock not available, retrying', { version: t.version, file: t.script.file, line: where.line, attempt: n, delayMs: delay, sqlState: code });
      await sleep(delay);
      s.lock.assertHeld();
      await beforeRetry?.();
    }
  }
}

function failure(t: Target, where: SourcePosition, error: unknown): Error {
  if (error instanceof MigrationFailedError || error instanceof ChecksumMismatchError) return error;
  const e = error as { message?: string; code?: string; hint?: string };
  const consequence = t.script.autocommit
    ? 'Statements before it in this file stayed applied (autocommit) and are recorded; fix the statement and run again to resume.'
    : 'The migration was rolled back; none of it remains.';
  return new MigrationFailedError(
    `${formatPosition(where)}: ${e.message ?? String(error)}${e.code ? ` (SQLSTATE ${e.code})` : ''}${e.hint ? `. Hint: ${e.hint}` : ''}. ${consequence}`,
    { position: where, version: t.version, ...(e.code !== undefined && { sqlState: e.code }) },
    { cause: error },
  );
}

/** The file position of an error: the statement's, refined by the server's error position when it gives one. */
function positionOf(script: MigrationScript, stmt: ParsedStatement | undefined, error: unknown): SourcePosition {
  if (!stmt) return { file: script.file };
  const offset = Number((error as { position?: string }).position);
  if (!Number.isFinite(offset) || offset < 1) return { file: script.file, line: stmt.line, column: stmt.column };
  return { file: script.file, ...positionInStatement(stmt, offset - 1) };
}

interface IndexTarget {
  readonly schema: string | undefined;
  readonly name: string | undefined;
  readonly table: string;
}

function indexTarget(stmt: ParsedStatement): IndexTarget | undefined {
  if (stmt.kind === 'IndexStmt' && stmt.node.concurrent) {
    return { schema: stmt.node.relation?.schemaname, name: stmt.node.idxname, table: relationName(stmt.node.relation) };
  }
  if (stmt.kind === 'ReindexStmt' && stmt.node.relation) {
    return { schema: stmt.node.relation.schemaname, name: undefined, table: relationName(stmt.node.relation) };
  }
  return undefined;
}

/**
 * A statement that an earlier run started but did not record as done. For CREATE INDEX
 * CONCURRENTLY: a valid index means it finished; an INVALID one is what an interrupted build
 * leaves, and is dropped so the build can run again.
 */
async function recoverInterrupted(work: pg.Client, t: Target, stmt: ParsedStatement, s: ExecutionSettings): Promise<'already-done' | 'retry'> {
  const still = await work.query(`SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND query = $1`, [stmt.executable]);
  if (still.rows.length > 0) {
    throw new MigrationFailedError(
      `${t.script.file}:${stmt.line}: an earlier run's statement is still running (pid ${still.rows[0].pid}); wait for it to finish, or stop it with SELECT pg_cancel_backend(${still.rows[0].pid}), then run again.`,
      { position: { file: t.script.file, line: stmt.line, column: stmt.column }, version: t.version },
    );
  }
  const target = indexTarget(stmt);
  if (target?.name && stmt.kind === 'IndexStmt') {
    const { rows } = await work.query(
      `SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND (n.nspname = $2 OR ($2 IS NULL AND n.nspname = ANY (current_schemas(false))))`,
      [target.name, target.schema ?? null],
    );
    if (rows[0]?.indisvalid === true) {
      s.emit({ type: 'statement-skipped', version: t.version, file: t.script.file, line: stmt.line, reason: `index ${target.name} was completed by an earlier, interrupted run` });
      return 'already-done';
    }
  }
  await cleanUpFailedBuild(work, t, stmt, s);
  return 'retry';
}

/** Drops the INVALID index a failed CONCURRENTLY build (or `_ccnew` index a failed REINDEX CONCURRENTLY) left behind. */
async function cleanUpFailedBuild(work: pg.Client, t: Target, stmt: ParsedStatement, s: ExecutionSettings): Promise<void> {
  const target = indexTarget(stmt);
  if (!target) return;
  const { rows } = await work.query<{ qualified: string; name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS qualified, c.relname AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND i.indrelid = $1::regclass
        AND CASE WHEN $2::text IS NOT NULL THEN c.relname = $2
                 WHEN $3 THEN c.relname ~ '_ccnew[0-9]*$'
                 ELSE c.relname ~ ('^' || $4 || '_.*idx[0-9]*$') END`,
    [quoteQualified(target.table), target.name ?? null, stmt.kind === 'ReindexStmt', String(stmt.node.relation?.relname ?? '').replace(/\W/g, '')],
  );
  if (rows.length > 0) await work.query('SET lock_timeout = 0');
  for (const r of rows) {
    await work.query(`DROP INDEX CONCURRENTLY IF EXISTS ${r.qualified}`);
    s.emit({ type: 'invalid-index-dropped', version: t.version, index: r.qualified });
    s.logger.warn('dropped the INVALID index an interrupted build left', { version: t.version, index: r.qualified });
  }
}

