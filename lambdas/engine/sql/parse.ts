import { loadModule, parseSync } from 'libpg-query';
import { InputError } from '../../errors.ts';
import { forEachCodeSpan, lineAndColumn, skipBlankAndComments } from './lexical.ts';

/** A parse-tree node as libpg_query prints it: `{ IndexStmt: { … } }`. */
export type AstNode = Record<string, any>;

export interface ParsedStatement {
  /** 0-based position in its file. */
  readonly index: number;
  /** Node type, e.g. `IndexStmt`, `AlterTableStmt`. */
  readonly kind: string;
  /** The node's fields (the value under `kind`). */
  readonly node: Record<string, any>;
  /** Source text from the first token to the end of the statement, without the `;`. */
  readonly text: string;
  /** Text to send to the server: `:lo`/`:hi` replaced by `$1`/`$2`. */
  readonly executable: string;
  /** Uses the `:lo`/`:hi` keyset placeholders of a batch directive. */
  readonly batched: boolean;
  /** 1-based position of the first token. */
  readonly line: number;
  readonly column: number;
  /** Byte offset of `text` in the file: parse nodes' `location` fields are byte offsets too. */
  readonly textStartByte: number;
}

/** 1-based line and column of a character offset into the statement's text. */
export function positionInStatement(stmt: Pick<ParsedStatement, 'text' | 'line' | 'column'>, charOffset: number): { line: number; column: number } {
  const at = Math.min(Math.max(0, charOffset), stmt.text.length);
  const { line, column } = lineAndColumn(stmt.text, at);
  return line === 1 ? { line: stmt.line, column: stmt.column + column - 1 } : { line: stmt.line + line - 1, column };
}

/**
 * 1-based line and column of a parse node's `location` (a byte offset into the file), so that a
 * finding can point at the clause at fault; the statement's own position when the node has none.
 */
export function positionOfNode(stmt: ParsedStatement, location: number | undefined): { line: number; column: number } {
  const inText = location === undefined ? -1 : location - stmt.textStartByte;
  const bytes = Buffer.from(stmt.text, 'utf8');
  if (inText < 0 || inText >= bytes.length) return { line: stmt.line, column: stmt.column };
  return positionInStatement(stmt, bytes.subarray(0, inText).toString('utf8').length);
}

let loaded: Promise<void> | undefined;

/** Loads the WASM parser once per process; every caller awaits the same promise. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

const PLACEHOLDER = /(?<![:\w]):(lo|hi)\b/g;

/** Replaces `:lo`/`:hi` outside literals and comments with `$1`/`$2`, keeping every offset. */
export function bindPlaceholders(sql: string): { text: string; found: boolean } {
  let found = false;
  let out = '';
  let last = 0;
  forEachCodeSpan(sql, (start, end) => {
    const span = sql.slice(start, end);
    if (!PLACEHOLDER.test(span)) return;
    PLACEHOLDER.lastIndex = 0;
    found = true;
    out += sql.slice(last, start) + span.replace(PLACEHOLDER, (_m, which: string) => (which === 'lo' ? '$1 ' : '$2 '));
    last = end;
  });
  return { text: found ? out + sql.slice(last) : sql, found };
}

/**
 * Splits a SQL file into statements with the real PostgreSQL parser. Requires {@link loadParser}
 * to have resolved. A syntax error becomes an {@link InputError} naming file, line and column.
 */
export function parseStatements(sql: string, file: string): ParsedStatement[] {
  const { text: bound } = bindPlaceholders(sql);
  let tree: { stmts?: Array<{ stmt: AstNode; stmt_location?: number; stmt_len?: number }> };
  // libpg-query refuses an empty string; a blank file holds no statement, like a file of comments.
  if (bound.trim() === '') return [];
  try {
    tree = parseSync(bound) as typeof tree;
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    // libpg-query reports the error position as a 0-based character index (unlike stmt_location, a byte offset).
    const at = details?.cursorPosition;
    const where = at === undefined ? {} : lineAndColumn(sql, at);
    throw new InputError([
      { file, ...where, message: `SQL syntax error: ${(error as Error).message}. Fix the statement; nothing was applied.` },
    ], { cause: error });
  }
  const bytes = Buffer.from(sql, 'utf8');
  // Running positions, so that each statement costs its own length and not the file's: the
  // character offset of the previous statement's start byte, and the line reached so far.
  let prevByte = 0;
  let prevChar = 0;
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  return (tree.stmts ?? []).map((s, index) => {
    // Since PostgreSQL 18 stmt_location is the first token (17: just after the previous `;`);
    // the end is the `;` in both, and the leading blanks and comments are skipped below either way.
    const startByte = s.stmt_location ?? 0;
    const endByte = s.stmt_len === undefined || s.stmt_len === 0 ? bytes.length : startByte + s.stmt_len;
    const raw = bytes.subarray(startByte, endByte).toString('utf8');
    const lead = skipBlankAndComments(raw);
    const text = raw.slice(lead).trimEnd();
    prevChar += bytes.subarray(prevByte, startByte).toString('utf8').length;
    prevByte = startByte;
    const startChar = prevChar + lead;
    for (; scanned < startChar; scanned++) {
      if (sql.charCodeAt(scanned) === 10) {
        line++;
        lineStart = scanned + 1;
      }
    }
    // bindPlaceholders keeps every offset, so the statement sits at the same characters in `bound`.
    const executable = bound === sql ? text : bound.slice(startChar, startChar + text.length).trimEnd();
    const kind = Object.keys(s.stmt)[0]!;
    return {
      index,
      kind,
      node: s.stmt[kind] as Record<string, any>,
      text,
      executable,
      batched: executable !== text,
      line,
      column: startChar - lineStart + 1,
      textStartByte: startByte + Buffer.byteLength(raw.slice(0, lead), 'utf8'),
    };
  });
}
