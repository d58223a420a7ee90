import { InputError, type InputProblem } from '../../errors.ts';
import type { MigrationScript } from '../migrations/load.ts';
import { forEachCodeSpan, skipBlankAndComments } from '../sql/lexical.ts';
import type { ParsedStatement } from '../sql/parse.ts';
import { parseExpectation, type Expectation } from './expectations.ts';

/** One named check of a `.verify.sql` file, ready to run. */
export interface VerifyCheck {
  readonly name: string;
  readonly file: string;
  /** Line of the `-- check:` comment. */
  readonly line: number;
  /** Version of the migration whose verify file holds the check. */
  readonly version?: string;
  readonly statement: ParsedStatement;
  /** What the result must be; `undefined` when the check has only a time limit. */
  readonly expectation: Expectation | undefined;
  /** `-- expect: max-ms <n>`: the query must finish within n ms. */
  readonly maxMs?: number;
  /**
   * The query to plan or time: the statement itself, or the statement an `EXPLAIN` wraps
   * (Airlock runs its own `EXPLAIN (FORMAT JSON)`, whatever options the file gave).
   */
  readonly query: string;
  readonly statementTimeoutMs?: number;
  readonly lockTimeoutMs?: number;
}

interface Marker {
  readonly kind: 'check' | 'expect';
  readonly line: number;
  readonly argument: string;
}

const MARKER = /^[ \t]*--[ \t]*(check|expect)[ \t]*:[ \t]*(.*?)\s*$/;

/** Statements that can be planned with EXPLAIN (needed by `uses-index` and `max-ms`). */
const EXPLAINABLE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/**
 * Reads the named checks of a verify script. Every problem in the file is collected and thrown
 * together as one {@link InputError} naming file:line and what to do.
 */
export function checksOfScript(script: Pick<MigrationScript, 'file' | 'sql' | 'statements' | 'directives'>, version?: string): VerifyCheck[] {
  const problems: InputProblem[] = [];
  const { file, sql, statements } = script;
  const markers = findMarkers(sql);
  const statementSpans = statements.map((s) => ({ s, first: s.line, last: s.line + s.text.split('\n').length - 1 }));

  for (const m of markers) {
    const inside = statementSpans.find((span) => m.line > span.first && m.line <= span.last);
    if (inside) problems.push({ file, line: m.line, message: `'-- ${m.kind}:' stands inside the statement that starts on line ${inside.first}; move it above that statement.` });
  }
  const checkMarkers = markers.filter((m) => m.kind === 'check');
  for (const m of markers) {
    if (m.kind === 'expect' && !checkMarkers.some((c) => c.line < m.line)) {
      problems.push({ file, line: m.line, message: `'-- expect:' comes before any '-- check: <name>'; put the check's name above it.` });
    }
  }
  for (const { s } of statementSpans) {
    if (!checkMarkers.some((c) => c.line < s.line)) {
      problems.push({ file, line: s.line, message: `this statement belongs to no check; put '-- check: <what must hold>' on the line above it.` });
    }
  }

  const checks: VerifyCheck[] = [];
  const names = new Map<string, number>();
  checkMarkers.forEach((marker, i) => {
    const end = checkMarkers[i + 1]?.line ?? Number.MAX_SAFE_INTEGER;
    const own = statements.filter((s) => s.line > marker.line && s.line < end);
    const expects = markers.filter((m) => m.kind === 'expect' && m.line > marker.line && m.line < end);
    const problem = (line: number, message: string): void => void problems.push({ file, line, message });
    const name = marker.argument;
    if (!name) problem(marker.line, `'-- check:' needs a name saying what must hold, e.g. '-- check: every order has a customer'.`);
    else if (names.has(name)) problem(marker.line, `check '${name}' is already defined on line ${names.get(name)}; give each check its own name.`);
    else names.set(name, marker.line);
    if (own.length === 0) {
      problem(marker.line, `check '${name}' has no statement; add the query that must hold after '-- check:' (and its '-- expect:' lines), or delete the check.`);
      return;
    }
    if (own.length > 1) {
      problem(own[1]!.line, `check '${name}' holds ${own.length} statements; a check is one query. Split it into several checks, each with its own '-- check: <name>'.`);
      return;
    }
    const statement = own[0]!;
    let expectation: Expectation | undefined;
    let maxMs: number | undefined;
    for (const e of expects) {
      if (e.line > statement.line) {
        problem(e.line, `'-- expect:' must stand between '-- check: ${name}' and its statement (line ${statement.line}); move it up.`);
        continue;
      }
      const parsed = parseExpectation(e.argument);
      if (typeof parsed === 'string') {
        problem(e.line, parsed);
        continue;
      }
      if (parsed.kind === 'max-ms') {
        if (maxMs !== undefined) problem(e.line, `check '${name}' already has a max-ms limit; keep one.`);
        maxMs = parsed.ms;
      } else if (expectation) {
        problem(e.line, `check '${name}' already expects '${describeExpectation(expectation)}'; a check has one result expectation (plus optionally max-ms). Split it into two checks.`);
      } else expectation = parsed;
    }
    if (statement.kind === 'TransactionStmt' || statement.kind === 'VariableSetStmt') {
      problem(statement.line, `check '${name}' runs '${statement.text.split(/\s/)[0]}', but a check is a query; Airlock runs each check in its own READ ONLY transaction. Remove it.`);
      return;
    }
    let query = statement.executable;
    const needsPlan = expectation?.kind === 'uses-index' || maxMs !== undefined;
    if (needsPlan) {
      const inner = statement.kind === 'ExplainStmt' ? explainedQuery(statement) : { text: statement.executable, kind: statement.kind };
      if (!EXPLAINABLE.has(inner.kind)) {
        problem(statement.line, `check '${name}' uses ${expectation?.kind === 'uses-index' ? 'uses-index' : 'max-ms'}, which needs a query PostgreSQL can EXPLAIN (SELECT, VALUES, WITH …, or EXPLAIN of one); this statement is ${inner.kind}.`);
        return;
      }
      query = inner.text;
    }
    if (!name) return;
    checks.push({
      name,
      file,
      line: marker.line,
      ...(version !== undefined && { version }),
      statement,
      expectation: expectation ?? (maxMs === undefined ? { kind: 'true' } : undefined),
      ...(maxMs !== undefined && { maxMs }),
      query,
      ...(script.directives.statementTimeoutMs !== undefined && { statementTimeoutMs: script.directives.statementTimeoutMs }),
      ...(script.directives.lockTimeoutMs !== undefined && { lockTimeoutMs: script.directives.lockTimeoutMs }),
    });
  });
  if (problems.length > 0) throw new InputError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  return checks;
}

export function describeExpectation(e: Expectation | undefined, maxMs?: number): string {
  const base = (() => {
    switch (e?.kind) {
      case undefined:
        return undefined;
      case 'true':
        return 'one row, one column, true';
      case 'no-rows':
        return 'no rows';
      case 'rows':
        return 'at least one row';
      case 'equals':
        return `equals ${e.value === null ? 'NULL' : `'${e.value}'`}`;
      case 'uses-index':
        return `uses index ${e.schema ? `${e.schema}.` : ''}${e.index}`;
    }
  })();
  const time = maxMs === undefined ? undefined : `within ${maxMs} ms`;
  return [base, time].filter(Boolean).join(', ');
}

/** `-- check:` / `-- expect:` comments that stand at the start of a line, outside literals. */
function findMarkers(sql: string): Marker[] {
  const commentStarts = new Set<number>();
  let previousEnd = 0;
  const noteGap = (start: number, end: number): void => {
    if (end > start && sql.startsWith('--', start)) commentStarts.add(start);
  };
  forEachCodeSpan(sql, (start, end) => {
    noteGap(previousEnd, start);
    previousEnd = end;
  });
  noteGap(previousEnd, sql.length);
  const markers: Marker[] = [];
  let offset = 0;
  sql.split('\n').forEach((text, i) => {
    const m = MARKER.exec(text);
    if (m && commentStarts.has(offset + text.indexOf('--'))) {
      markers.push({ kind: m[1] as 'check' | 'expect', line: i + 1, argument: m[2]! });
    }
    offset += text.length + 1;
  });
  return markers;
}

/** The statement an EXPLAIN wraps, as text: `EXPLAIN (…)` or `EXPLAIN ANALYZE VERBOSE` stripped. */
function explainedQuery(statement: ParsedStatement): { text: string; kind: string } {
  const text = statement.executable;
  let i = skipBlankAndComments(text, 'EXPLAIN'.length);
  if (text[i] === '(') {
    let depth = 0;
    for (; i < text.length; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')' && --depth === 0) break;
    }
    i = skipBlankAndComments(text, i + 1);
  } else {
    for (;;) {
      const word = /^(analyze|analyse|verbose)\b/i.exec(text.slice(i));
      if (!word) break;
      i = skipBlankAndComments(text, i + word[0].length);
    }
  }
  return { text: text.slice(i), kind: Object.keys(statement.node.query ?? {})[0] ?? 'nothing' };
}
