import ms from 'ms';
import type { InputProblem } from '../../errors.ts';

export interface BatchDirective {
  /** Table whose key is walked in keyset order (may be schema-qualified). */
  readonly table: string;
  readonly key: string;
  /** Rows per batch. @default 1000 */
  readonly size: number;
  /** Pause between batches, letting replicas and autovacuum keep up. @default 0 */
  readonly pauseMs: number;
  readonly line: number;
}

export interface AllowDirective {
  readonly rule: string;
  readonly reason: string;
  readonly line: number;
}

export interface Directives {
  readonly noTransaction: boolean;
  readonly lockTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
  readonly allows: readonly AllowDirective[];
  readonly batch?: BatchDirective;
}

const DIRECTIVE = /^\s*--\s*airlock:(\S*)\s*(.*?)\s*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;

/** Parses a duration as PostgreSQL and people write them: `500ms`, `3s`, `30min`, `10m`, `1h`; a bare number is ms. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (!/^\d+(\.\d+)?\s*[a-z]+$/i.test(t)) return undefined;
  const value = ms(t as ms.StringValue);
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Reads the `-- airlock:` directives of a file. They must stand in the comment block before the
 * first statement (`firstStatementLine`); one found later is reported, not silently ignored.
 */
export function parseDirectives(file: string, sql: string, firstStatementLine: number): { directives: Directives; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  let noTransaction = false;
  let lockTimeoutMs: number | undefined;
  let statementTimeoutMs: number | undefined;
  let batch: BatchDirective | undefined;
  const allows: AllowDirective[] = [];
  const lines = sql.split('\n');
  lines.forEach((text, i) => {
    const line = i + 1;
    const m = DIRECTIVE.exec(text);
    if (!m) return;
    const [, name, args = ''] = m;
    const problem = (message: string): void => void problems.push({ file, line, message });
    if (line > firstStatementLine) {
      problem(`'airlock:${name}' must stand in the comments at the top of the file, before the first statement; move it up.`);
      return;
    }
    switch (name) {
      case 'no-transaction':
        if (args) problem(`'airlock:no-transaction' takes no argument; remove '${args}'.`);
        noTransaction = true;
        break;
      case 'lock-timeout':
      case 'statement-timeout': {
        const value = parseDuration(args);
        if (value === undefined || value <= 0) problem(`'airlock:${name}' needs a duration such as 3s, 500ms or 30min (got '${args}').`);
        else if (name === 'lock-timeout') lockTimeoutMs = value;
        else statementTimeoutMs = value;
        break;
      }
      case 'allow': {
        const am = /^([a-z0-9-]+)\s+(\S.*)$/.exec(args);
        if (!am) problem(`'airlock:allow' needs a rule id and a reason: '-- airlock:allow <rule-id> <why this is safe here>'.`);
        else allows.push({ rule: am[1]!, reason: am[2]!, line });
        break;
      }
      case 'batch': {
        const parsed = parseBatch(args, line);
        if (typeof parsed === 'string') problem(parsed);
        else batch = parsed;
        break;
      }
      default:
        problem(
          `unknown directive 'airlock:${name}'; known ones are no-transaction, lock-timeout <dur>, statement-timeout <dur>, allow <rule-id> <reason>, batch table=<t> key=<col> size=<n> pause=<ms>.`,
        );
    }
  });
  const directives: Directives = {
    noTransaction,
    allows,
    ...(lockTimeoutMs !== undefined && { lockTimeoutMs }),
    ...(statementTimeoutMs !== undefined && { statementTimeoutMs }),
    ...(batch && { batch }),
  };
  return { directives, problems };
}

function parseBatch(args: string, line: number): BatchDirective | string {
  const usage = `'airlock:batch' takes table=<table> key=<column> [size=<rows>] [pause=<ms>]`;
  const fields = new Map<string, string>();
  for (const part of args.split(/\s+/).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return `${usage}; '${part}' is not a key=value pair.`;
    const key = part.slice(0, eq);
    if (!['table', 'key', 'size', 'pause'].includes(key)) return `${usage}; unknown field '${key}'.`;
    fields.set(key, part.slice(eq + 1));
  }
  const table = fields.get('table');
  const key = fields.get('key');
  if (!table || !IDENTIFIER.test(table)) return `${usage}; table= is missing or not a plain (optionally schema-qualified) name.`;
  if (!key || !IDENTIFIER.test(key) || key.includes('.')) return `${usage}; key= is missing or not a plain column name.`;
  const size = fields.has('size') ? Number(fields.get('size')) : 1000;
  if (!Number.isInteger(size) || size <= 0) return `${usage}; size= must be a positive whole number of rows (got '${fields.get('size')}').`;
  const pauseText = fields.get('pause') ?? '0';
  const pauseMs = parseDuration(pauseText);
  if (pauseMs === undefined) return `${usage}; pause= must be a duration such as 100 or 100ms (got '${pauseText}').`;
  return { table, key, size, pauseMs, line };
}
