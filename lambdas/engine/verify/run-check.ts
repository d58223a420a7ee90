import type pg from 'pg';
import Cursor from 'pg-cursor';
import { redact } from '../../errors.ts';
import { describeExpectation, type VerifyCheck } from './checks-file.ts';
import { judgeRows, planExcerpt, planUsesIndex, ROW_SAMPLE, type PlanNode, type ResultColumn } from './expectations.ts';

import type { CheckStatus } from '../check-status.ts';

export type { CheckStatus };

/** Why a check failed, so a notification can say what went wrong without parsing the message. */
export type FailureKind = 'unexpected-result' | 'index-not-used' | 'too-slow' | 'attempted-write' | 'timeout' | 'lock-timeout' | 'error';

/** The structured result of one check (a file's or a built-in one). */
export interface CheckResult {
  readonly name: string;
  /** `file:line` for a file's check, `built-in` for Airlock's own. */
  readonly source: string;
  readonly file?: string;
  readonly line?: number;
  /** Version of the migration whose verify file holds the check. */
  readonly version?: string;
  readonly builtIn: boolean;
  readonly status: CheckStatus;
  readonly durationMs: number;
  /** What the check expects, in words. */
  readonly expected: string;
  /** What happened, in one line. */
  readonly message: string;
  readonly failure?: FailureKind;
  /** The first offending rows (at most 5), values as PostgreSQL prints them. */
  readonly rows?: ReadonlyArray<Readonly<Record<string, string | null>>>;
  /** The plan's shape, one node per line, when a plan expectation failed. */
  readonly plan?: readonly string[];
  /** Extra structured facts (built-in checks: the offending objects). */
  readonly details?: unknown;
}

export interface RunCheckOptions {
  /** Statement timeout for each check unless its file sets `airlock:statement-timeout`. @default 30 s */
  readonly statementTimeoutMs?: number;
  /** Lock timeout for each check unless its file sets `airlock:lock-timeout`. @default 5 s – a check must not queue behind DDL */
  readonly lockTimeoutMs?: number;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 30_000;
export const DEFAULT_CHECK_LOCK_TIMEOUT_MS = 5_000;

/** Values come back exactly as PostgreSQL prints them; `equals` compares text. */
const RAW_TEXT: pg.CustomTypesConfig = { getTypeParser: (() => (value: string) => value) as unknown as pg.CustomTypesConfig['getTypeParser'] };
const MAX_VALUE_CHARS = 200;

/**
 * Runs one check in its own READ ONLY transaction with a statement and lock timeout, always
 * rolled back: a check can never change data. A write attempt fails the check as such.
 */
export async function runCheck(client: pg.Client, check: VerifyCheck, options: RunCheckOptions = {}): Promise<CheckResult> {
  const base = {
    name: check.name,
    source: `${check.file}:${check.line}`,
    file: check.file,
    line: check.line,
    ...(check.version !== undefined && { version: check.version }),
    builtIn: false,
    expected: describeExpectation(check.expectation, check.maxMs),
  };
  const configured = check.statementTimeoutMs ?? options.statementTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  // A performance check need not run for the whole statement timeout to be known slow.
  const statementTimeoutMs = Math.round(check.maxMs === undefined ? configured : Math.min(configured, check.maxMs * 3 + 1_000));
  const lockTimeoutMs = check.lockTimeoutMs ?? options.lockTimeoutMs ?? DEFAULT_CHECK_LOCK_TIMEOUT_MS;
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
  await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${statementTimeoutMs}; SET LOCAL lock_timeout = ${lockTimeoutMs}`);
  try {
    const e = check.expectation;
    if (e !== undefined && e.kind !== 'uses-index') {
      const { columns, rows, more } = await firstRows(client, check.statement.executable);
      const verdict = judgeRows(e, columns, rows, more);
      if (!verdict.ok) {
        return {
          ...base,
          status: 'fail',
          durationMs: elapsed(),
          message: verdict.message,
          failure: 'unexpected-result',
          ...(rows.length > 0 && { rows: rows.slice(0, ROW_SAMPLE).map((r) => rowObject(columns, r)) }),
        };
      }
    }
    // One EXPLAIN ANALYZE serves both the index and the time check; a plain EXPLAIN when only the index matters.
    const analyzed = check.maxMs !== undefined ? await explain(client, check.query, true) : undefined;
    if (e?.kind === 'uses-index') {
      const plan = analyzed ?? (await explain(client, check.query, false));
      if (!planUsesIndex(plan.Plan, e)) {
        return {
          ...base,
          status: 'fail',
          durationMs: elapsed(),
          message: `the plan does not use index ${e.schema ? `${e.schema}.` : ''}${e.index}`,
          failure: 'index-not-used',
          plan: planExcerpt(plan.Plan),
        };
      }
    }
    if (analyzed !== undefined && check.maxMs !== undefined) {
      const took = Math.round(((analyzed['Planning Time'] ?? 0) + (analyzed['Execution Time'] ?? 0)) * 10) / 10;
      if (took > check.maxMs) {
        return {
          ...base,
          status: 'fail',
          durationMs: elapsed(),
          message: `took ${took} ms (planning + execution), more than the ${check.maxMs} ms allowed`,
          failure: 'too-slow',
          plan: planExcerpt(analyzed.Plan),
        };
      }
    }
    return { ...base, status: 'pass', durationMs: elapsed(), message: 'holds' };
  } catch (error) {
    return { ...base, status: 'fail', durationMs: elapsed(), ...describeFailure(error, check, statementTimeoutMs, lockTimeoutMs) };
  } finally {
    await client.query('ROLLBACK');
  }
}

/** Fetches at most ROW_SAMPLE + 1 rows through a portal, so a huge result never reaches Node. */
async function firstRows(client: pg.Client, text: string): Promise<{ columns: ResultColumn[]; rows: (string | null)[][]; more: boolean }> {
  const cursor = client.query(new Cursor<(string | null)[]>(text, undefined, { rowMode: 'array', types: RAW_TEXT }));
  // On error the cursor has already synced with the server; closing it then would send a stray Close.
  const { rows, result } = await new Promise<{ rows: (string | null)[][]; result: pg.QueryResult }>((resolve, reject) => {
    cursor.read(ROW_SAMPLE + 1, (error, rows, result) => (error ? reject(error) : resolve({ rows, result })));
  });
  await cursor.close();
  const columns = (result.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
  return { columns, rows, more: rows.length > ROW_SAMPLE };
}

interface ExplainOutput {
  readonly Plan: PlanNode;
  readonly 'Planning Time'?: number;
  readonly 'Execution Time'?: number;
}

async function explain(client: pg.Client, query: string, analyze: boolean): Promise<ExplainOutput> {
  const options = analyze ? 'ANALYZE, TIMING OFF, VERBOSE, FORMAT JSON' : 'VERBOSE, FORMAT JSON';
  const { rows } = await client.query({ text: `EXPLAIN (${options}) ${query}`, rowMode: 'array', types: RAW_TEXT, queryMode: 'extended' } as pg.QueryConfig);
  const parsed = JSON.parse(String(rows[0]?.[0])) as ExplainOutput[];
  return parsed[0]!;
}

function rowObject(columns: readonly ResultColumn[], row: readonly (string | null)[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  columns.forEach((c, i) => {
    const v = row[i] ?? null;
    let key = c.name;
    for (let n = 2; key in out; n++) key = `${c.name}_${n}`;
    out[key] = v !== null && v.length > MAX_VALUE_CHARS ? `${v.slice(0, MAX_VALUE_CHARS)}…` : v;
  });
  return out;
}

function describeFailure(error: unknown, check: VerifyCheck, statementTimeoutMs: number, lockTimeoutMs: number): { message: string; failure: FailureKind } {
  const e = error as { code?: string; message?: string };
  const text = redact(e.message ?? String(error));
  switch (e.code) {
    case '25006':
      return { failure: 'attempted-write', message: `the check tried to write (${text}); checks run in a READ ONLY transaction and must only read` };
    case '57014':
      return check.maxMs !== undefined
        ? { failure: 'too-slow', message: `canceled after ${statementTimeoutMs} ms, far more than the ${check.maxMs} ms allowed` }
        : { failure: 'timeout', message: `canceled after the ${statementTimeoutMs} ms statement timeout; make the query cheaper or raise '-- airlock:statement-timeout' in the verify file` };
    case '55P03':
      return { failure: 'lock-timeout', message: `waited more than ${lockTimeoutMs} ms for a lock (${text}); something holds a conflicting lock on the tables it reads` };
    default:
      return { failure: 'error', message: `failed: ${text}${e.code ? ` (SQLSTATE ${e.code})` : ''}` };
  }
}
