import { escapeIdentifier, escapeLiteral } from 'pg';
import type pg from 'pg';
import { InputError } from '../errors.ts';
import { pastDeadline, statementChecksum, timeoutsSql, withRetries, type ExecutionSettings, type ScriptOutcome } from './execute.ts';
import { progressSql, writeProgress, type Direction, type Progress } from './ledger.ts';
import type { BatchDirective } from './migrations/directives.ts';
import type { MigrationScript } from './migrations/load.ts';
import { sleep } from './retry.ts';
import { quoteQualified } from './sql/effects.ts';
import type { ParsedStatement } from './sql/parse.ts';

interface Target {
  readonly version: string;
  readonly name: string;
  readonly direction: Direction;
  readonly script: MigrationScript;
}

/**
 * Runs a `:lo`/`:hi` statement in exact-size keyset batches over `table.key`: each batch covers
 * the next `size` keys after the cursor, runs in its own transaction, and commits the new cursor
 * with it, so a crash or kill resumes exactly where the last commit left off. Rows stay in the
 * database: Node only ever sees two keys per batch.
 */
export async function runBatches(work: pg.Client, t: Target, stmt: ParsedStatement, progress: Progress | undefined, s: ExecutionSettings): Promise<ScriptOutcome> {
  const batch = t.script.directives.batch!;
  const table = quoteQualified(batch.table);
  const key = escapeIdentifier(batch.key);
  const keyType = await keyTypeOf(work, t.script.file, batch);
  let lo = progress?.cursor ?? (await lowerBound(work, table, key, keyType, t.script.file, batch.line));
  let rowsDone = progress?.rowsDone ?? 0;
  const started = Date.now();
  const rowsAtStart = rowsDone;
  const rowsTotal = rowsDone + (lo === null ? 0 : await estimateRemaining(work, table, key, keyType, lo, rowsDone));
  const checksum = statementChecksum(stmt);
  const progressOf = (cursor: string | null, done: boolean) => ({
    version: t.version,
    direction: t.direction,
    statementIndex: stmt.index,
    checksum,
    runId: s.runId,
    done,
    cursor,
    rowsDone,
  });
  if (!progress) await writeProgress(work, progressOf(lo, false));

  // The cast stays outside the subquery, so only the bound is converted to text, not every key skipped.
  const nextBound = (after: string) =>
    `SELECT (SELECT ${key} FROM ${table} WHERE ${key} > ${escapeLiteral(after)}::${keyType} ORDER BY ${key} OFFSET ${batch.size - 1} LIMIT 1)::text AS hi`;
  const lastBound = `SELECT max(${key})::text AS hi, count(*)::bigint AS n FROM ${table} WHERE ${key} > $1::${keyType}`;
  const lockTimeoutMs = t.script.directives.lockTimeoutMs ?? s.lockTimeoutMs;
  const statementTimeoutMs = t.script.directives.statementTimeoutMs ?? s.statementTimeoutMs;
  const begin = beginSql(lockTimeoutMs, statementTimeoutMs);
  while (lo !== null) {
    if (pastDeadline(s)) {
      s.emit({ type: 'paused', version: t.version, reason: 'time budget reached between batches' });
      return { done: false, cursor: { version: t.version, direction: t.direction, statementIndex: stmt.index, key: lo } };
    }
    s.lock.assertHeld();
    const from = lo;
    // The batch's upper key is found inside its own transaction, under its lock timeout.
    const range: { hi: string | null; rows: number } = { hi: null, rows: 0 };
    await withRetries(t, s, stmt, async () => {
      try {
        range.hi = await beginBatch(work, begin, nextBound(from));
        range.rows = batch.size;
        if (range.hi === null) {
          const last = (await work.query(lastBound, [from])).rows[0];
          range.hi = last?.hi ?? null;
          range.rows = Number(last?.n ?? 0);
          if (range.hi === null) {
            await work.query('COMMIT');
            return;
          }
        }
        await work.query(stmt.executable, [from, range.hi]);
        await work.query(`${progressSql({ ...progressOf(range.hi, false), rowsDone: rowsDone + range.rows })}; COMMIT`);
      } catch (error) {
        await work.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
    const { hi, rows } = range;
    if (hi === null) break;
    rowsDone += rows;
    lo = hi;
    const elapsed = (Date.now() - started) / 1000;
    const rowsPerSecond = elapsed > 0 ? (rowsDone - rowsAtStart) / elapsed : 0;
    const left = Math.max(0, rowsTotal - rowsDone);
    s.emit({
      type: 'batch',
      version: t.version,
      file: t.script.file,
      line: stmt.line,
      rowsDone,
      rowsTotal: Math.max(rowsTotal, rowsDone),
      rowsPerSecond,
      etaMs: rowsPerSecond > 0 ? (left / rowsPerSecond) * 1000 : undefined,
    });
    if (batch.pauseMs > 0) await sleep(batch.pauseMs);
  }
  await writeProgress(work, progressOf(lo, true));
  s.emit({ type: 'batch-done', version: t.version, file: t.script.file, line: stmt.line, rowsDone, durationMs: Date.now() - started });
  return { done: true };
}

/**
 * What opens every batch's transaction: its timeouts and `synchronous_commit = off` (see {@link beginBatch}).
 */
function beginSql(lockTimeoutMs: number, statementTimeoutMs: number): string {
  return `BEGIN; ${timeoutsSql(lockTimeoutMs, statementTimeoutMs, true)}; SET LOCAL synchronous_commit = off`;
}

/**
 * Opens a batch's transaction and finds its upper key, in one round trip: `begin` (from
 * {@link beginSql}: its timeouts, `synchronous_commit = off`), and the bound query. A batch
 * commits its rows and its cursor together, so a commit lost in a crash loses both and the
 * resume redoes exactly that batch; the run's last commit (progress done, ledger entry) is
 * synchronous and makes every earlier batch durable with it. The batches thus stop waiting for a
 * WAL flush each (and for synchronous standbys), as a single INSERT … SELECT does not either.
 */
async function beginBatch(work: pg.Client, begin: string, boundQuery: string): Promise<string | null> {
  const results = (await work.query(`${begin}; ${boundQuery}`)) as unknown as pg.QueryResult<{ hi: string }>[];
  return results.at(-1)?.rows[0]?.hi ?? null;
}

async function keyTypeOf(work: pg.Client, file: string, batch: BatchDirective): Promise<string> {
  const { rows } = await work.query(
    `SELECT format_type(a.atttypid, NULL) AS type FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped`,
    [quoteQualified(batch.table), batch.key],
  );
  if (!rows[0]) {
    throw new InputError([{ file, line: batch.line, message: `batch key ${batch.table}.${batch.key} does not exist when the batch starts; name an existing table and its key column.` }]);
  }
  return rows[0].type;
}

/**
 * A value below every key, so the first batch's `key > :lo` includes the smallest key. Null when
 * the table is empty.
 */
async function lowerBound(work: pg.Client, table: string, key: string, keyType: string, file: string, line: number): Promise<string | null> {
  const min = (await work.query(`SELECT min(${key})::text AS v FROM ${table}`)).rows[0]?.v ?? null;
  if (min === null) return null;
  if (/^(smallint|integer|bigint|numeric|real|double precision)/.test(keyType)) return (await work.query(`SELECT ($1::${keyType} - 1)::text AS v`, [min])).rows[0].v;
  if (/^(date|timestamp)/.test(keyType)) return '-infinity';
  if (keyType === 'uuid' && min !== '00000000-0000-0000-0000-000000000000') return '00000000-0000-0000-0000-000000000000';
  if (/^(text|character varying)/.test(keyType) && min !== '') return '';
  throw new InputError([{ file, line, message: `batch keys of type ${keyType} are not supported; use an integer, numeric, date/timestamp, uuid or text key.` }]);
}

/**
 * Rows left after the cursor, for progress and ETA: exact on small tables, the planner's estimate
 * above 100k rows (a full count costs a scan of the table, ~5% of copying it; the ETA does not need it).
 */
async function estimateRemaining(work: pg.Client, table: string, key: string, keyType: string, lo: string, done: number): Promise<number> {
  const est = Number((await work.query(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass($1)`, [table])).rows[0]?.n ?? -1);
  if (est > 100_000) return Math.max(0, est - done);
  return Number((await work.query(`SELECT count(*)::bigint AS n FROM ${table} WHERE ${key} > $1::${keyType}`, [lo])).rows[0].n);
}
