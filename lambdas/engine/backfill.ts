import { escapeIdentifier } from 'pg';
import type pg from 'pg';
import { InputError } from '../errors.ts';
import { pastDeadline, setTimeouts, statementChecksum, withRetries, type ExecutionSettings, type ScriptOutcome } from './execute.ts';
import { writeProgress, type Direction, type Progress } from './ledger.ts';
import type { BatchDirective } from './migrations/directives.ts';
import type { MigrationScript } from './migrations/load.ts';
import { sleep } from './retry.ts';
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
  const table = batch.table.split('.').map(escapeIdentifier).join('.');
  const key = escapeIdentifier(batch.key);
  const keyType = await keyTypeOf(work, t.script.file, batch);
  let lo = progress?.cursor ?? (await lowerBound(work, table, key, keyType, t.script.file, batch.line));
  let rowsDone = progress?.rowsDone ?? 0;
  const started = Date.now();
  const rowsAtStart = rowsDone;
  const rowsTotal = rowsDone + (lo === null ? 0 : await estimateRemaining(work, table, key, keyType, lo, rowsDone));
  const progressOf = (cursor: string | null, done: boolean) => ({
    version: t.version,
    direction: t.direction,
    statementIndex: stmt.index,
    checksum: statementChecksum(stmt),
    runId: s.runId,
    done,
    cursor,
    rowsDone,
  });
  if (!progress) await writeProgress(work, progressOf(lo, false));

  const nextBound = `SELECT ${key}::text AS hi FROM ${table} WHERE ${key} > $1::${keyType} ORDER BY ${key} OFFSET ${batch.size - 1} LIMIT 1`;
  const lastBound = `SELECT max(${key})::text AS hi, count(*)::bigint AS n FROM ${table} WHERE ${key} > $1::${keyType}`;
  while (lo !== null) {
    if (pastDeadline(s)) {
      s.emit({ type: 'paused', version: t.version, reason: 'time budget reached between batches' });
      return { done: false, cursor: { version: t.version, direction: t.direction, statementIndex: stmt.index, key: lo } };
    }
    s.lock.assertHeld();
    let hi: string | null = (await work.query(nextBound, [lo])).rows[0]?.hi ?? null;
    let rows = batch.size;
    if (hi === null) {
      const last = (await work.query(lastBound, [lo])).rows[0];
      hi = last?.hi ?? null;
      rows = Number(last?.n ?? 0);
      if (hi === null) break;
    }
    const from = lo;
    await withRetries(t, s, stmt, async () => {
      await work.query('BEGIN');
      try {
        await setTimeouts(work, t.script.directives.lockTimeoutMs ?? s.lockTimeoutMs, t.script.directives.statementTimeoutMs ?? s.statementTimeoutMs, true);
        await work.query(stmt.executable, [from, hi]);
        await writeProgress(work, { ...progressOf(hi, false), rowsDone: rowsDone + rows });
        await work.query('COMMIT');
      } catch (error) {
        await work.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
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

async function keyTypeOf(work: pg.Client, file: string, batch: BatchDirective): Promise<string> {
  const { rows } = await work.query(
    `SELECT format_type(a.atttypid, NULL) AS type FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped`,
    [batch.table, batch.key],
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

/** Rows left after the cursor: exact on small tables, the planner's estimate on big ones (no full count of a billion rows). */
async function estimateRemaining(work: pg.Client, table: string, key: string, keyType: string, lo: string, done: number): Promise<number> {
  const est = Number((await work.query(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass($1)`, [table])).rows[0]?.n ?? -1);
  if (est > 5_000_000) return Math.max(0, est - done);
  return Number((await work.query(`SELECT count(*)::bigint AS n FROM ${table} WHERE ${key} > $1::${keyType}`, [lo])).rows[0].n);
}
