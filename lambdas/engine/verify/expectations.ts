/**
 * What a check's result must be, and the pure judgement of a result against it. Values are
 * compared as PostgreSQL prints them (text), so `equals` means what `psql` would show.
 */

export type Expectation =
  | { readonly kind: 'true' }
  | { readonly kind: 'no-rows' }
  | { readonly kind: 'rows' }
  | { readonly kind: 'equals'; readonly value: string | null }
  | { readonly kind: 'uses-index'; readonly index: string; readonly schema?: string };

export type ParsedExpect = Expectation | { readonly kind: 'max-ms'; readonly ms: number };

const KINDS = 'no-rows, rows, equals <value>, uses-index <index>, max-ms <n> (or none: one row, one column, true)';
const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const INDEX_NAME = new RegExp(`^(${IDENT})(?:\\.(${IDENT}))?$`);

/** Parses the text after `-- expect:`; a string is the problem, phrased as what to do. */
export function parseExpectation(argument: string): ParsedExpect | string {
  const m = /^(\S+)\s*(.*)$/.exec(argument.trim());
  if (!m) return `'-- expect:' needs a kind: ${KINDS}.`;
  const kind = m[1]!.toLowerCase();
  const rest = m[2]!.trim();
  const noArgument = (e: Expectation): ParsedExpect | string => (rest ? `'-- expect: ${kind}' takes no argument; remove '${rest}'.` : e);
  switch (kind) {
    case 'true':
      return noArgument({ kind: 'true' });
    case 'no-rows':
      return noArgument({ kind: 'no-rows' });
    case 'rows':
      return noArgument({ kind: 'rows' });
    case 'equals': {
      if (!rest) return `'-- expect: equals' needs the value the query must return, e.g. '-- expect: equals 42' or "-- expect: equals 'done'".`;
      if (/^null$/i.test(rest)) return { kind: 'equals', value: null };
      const quoted = /^'((?:[^']|'')*)'$/.exec(rest);
      if (rest.startsWith("'") && !quoted) return `'-- expect: equals ${rest}' opens a quote it does not close; write the value as 'text' (double any ' inside).`;
      return { kind: 'equals', value: quoted ? quoted[1]!.replaceAll("''", "'") : rest };
    }
    case 'uses-index': {
      const name = INDEX_NAME.exec(rest);
      if (!name) return `'-- expect: uses-index' needs one index name (optionally schema.index), e.g. '-- expect: uses-index idx_orders_created_at'${rest ? `; '${rest}' is not one` : ''}.`;
      const [, first, second] = name;
      return second === undefined
        ? { kind: 'uses-index', index: identifierValue(first!) }
        : { kind: 'uses-index', schema: identifierValue(first!), index: identifierValue(second) };
    }
    case 'max-ms': {
      if (!/^\d+(\.\d+)?$/.test(rest) || Number(rest) <= 0) return `'-- expect: max-ms' needs a positive number of milliseconds, e.g. '-- expect: max-ms 200'${rest ? ` (got '${rest}')` : ''}.`;
      return { kind: 'max-ms', ms: Number(rest) };
    }
    default:
      return `unknown expectation '${m[1]}'; use one of: ${KINDS}.`;
  }
}

/** An identifier as PostgreSQL stores it: unquoted names fold to lower case. */
function identifierValue(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text.toLowerCase();
}

export interface ResultColumn {
  readonly name: string;
  readonly dataTypeID: number;
}

export interface Judgement {
  readonly ok: boolean;
  readonly message: string;
}

const BOOL_OID = 16;
/** How many offending rows a failure shows. */
export const ROW_SAMPLE = 5;

/**
 * Judges the first rows of a result (at most ROW_SAMPLE + 1 were fetched; `more` says whether the
 * result had more than were fetched) against a row expectation.
 */
export function judgeRows(e: Exclude<Expectation, { kind: 'uses-index' }>, columns: readonly ResultColumn[], rows: readonly (readonly (string | null)[])[], more: boolean): Judgement {
  const count = more || rows.length > ROW_SAMPLE ? `more than ${ROW_SAMPLE} rows` : `${rows.length} row${rows.length === 1 ? '' : 's'}`;
  switch (e.kind) {
    case 'no-rows':
      return rows.length === 0 ? { ok: true, message: 'no rows' } : { ok: false, message: `expected no rows, got ${count}` };
    case 'rows':
      return rows.length > 0 ? { ok: true, message: count } : { ok: false, message: 'expected at least one row, got none' };
    case 'true':
    case 'equals': {
      if (rows.length !== 1 || more) return { ok: false, message: `expected one row, got ${count}` };
      if (columns.length !== 1) return { ok: false, message: `expected one column, got ${columns.length} (${columns.map((c) => c.name).join(', ')})` };
      const value = rows[0]![0] ?? null;
      const isBool = columns[0]!.dataTypeID === BOOL_OID;
      const shown = value === null ? 'NULL' : isBool ? (value === 't' ? 'true' : 'false') : `'${value}'`;
      if (e.kind === 'true') {
        if (!isBool) return { ok: false, message: `expected true, got ${shown}, which is not a boolean; make the query return a boolean (e.g. count(*) = 0)` };
        return value === 't' ? { ok: true, message: 'true' } : { ok: false, message: `expected true, got ${shown}` };
      }
      return valuesEqual(e.value, value, isBool) ? { ok: true, message: `equals ${shown}` } : { ok: false, message: `expected ${e.value === null ? 'NULL' : `'${e.value}'`}, got ${shown}` };
    }
  }
}

function valuesEqual(expected: string | null, actual: string | null, isBool: boolean): boolean {
  if (expected === null || actual === null) return expected === actual;
  if (expected === actual) return true;
  if (isBool) {
    const truth = (v: string): boolean | undefined => (/^(t|true|yes|on|1)$/i.test(v) ? true : /^(f|false|no|off|0)$/i.test(v) ? false : undefined);
    return truth(expected) !== undefined && truth(expected) === truth(actual);
  }
  const numeric = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
  return numeric.test(expected) && numeric.test(actual) && Number(expected) === Number(actual);
}

/** A plan node as `EXPLAIN (FORMAT JSON)` prints it. */
export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly Schema?: string;
  readonly 'Index Name'?: string;
  readonly Alias?: string;
  readonly Plans?: readonly PlanNode[];
  readonly [key: string]: unknown;
}

function* walk(node: PlanNode, depth = 0): Generator<{ node: PlanNode; depth: number }> {
  yield { node, depth };
  for (const child of node.Plans ?? []) yield* walk(child, depth + 1);
}

/** Whether any node of the plan scans the index (Index Scan, Index Only Scan, Bitmap Index Scan). */
export function planUsesIndex(plan: PlanNode, e: { index: string; schema?: string }): boolean {
  for (const { node } of walk(plan)) {
    if (node['Index Name'] !== e.index) continue;
    if (e.schema === undefined || node.Schema === undefined || node.Schema === e.schema) return true;
  }
  return false;
}

/** The plan's shape, one node per line (at most `limit` lines), for a failure report. */
export function planExcerpt(plan: PlanNode, limit = 12): string[] {
  const lines: string[] = [];
  for (const { node, depth } of walk(plan)) {
    if (lines.length === limit) {
      lines.push('  …');
      break;
    }
    const relation = node['Relation Name'] ? ` on ${node.Schema ? `${node.Schema}.` : ''}${node['Relation Name']}` : '';
    const index = node['Index Name'] ? ` using ${node['Index Name']}` : '';
    lines.push(`${'  '.repeat(depth)}${node['Node Type']}${index}${relation}`);
  }
  return lines;
}
