/**
 * The little lexical knowledge the parser does not give us: where comments, string literals and
 * dollar quotes are, so that `:lo`/`:hi` placeholders and leading comments are found only in code.
 */

/** Calls `onCode(start, end)` for every stretch of `sql` that is neither comment nor literal. */
export function forEachCodeSpan(sql: string, onCode: (start: number, end: number) => void): void {
  let i = 0;
  let codeStart = 0;
  const n = sql.length;
  const flush = (end: number): void => {
    if (end > codeStart) onCode(codeStart, end);
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    let skipTo = -1;
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      skipTo = eol === -1 ? n : eol;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      skipTo = j;
    } else if (c === "'") {
      const backslashEscapes = i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !/\w/.test(sql[i - 2]!));
      let j = i + 1;
      while (j < n) {
        if (backslashEscapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      skipTo = j + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < n && !(sql[j] === '"' && sql[j + 1] !== '"')) j += sql[j] === '"' ? 2 : 1;
      skipTo = j + 1;
    } else if (c === '$' && (i === 0 || !/[\w$]/.test(sql[i - 1]!))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        skipTo = close === -1 ? n : close + tag[0].length;
      }
    }
    if (skipTo >= 0) {
      flush(i);
      i = Math.min(skipTo, n);
      codeStart = i;
    } else i++;
  }
  flush(n);
}

/** Index of the first character of `sql[from..]` that is not white space or a comment. */
export function skipBlankAndComments(sql: string, from = 0): number {
  let i = from;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql.startsWith('--', i)) {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? sql.length : eol + 1;
    } else if (sql.startsWith('/*', i)) {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else i++;
      }
    } else return i;
  }
}

/** 1-based line and column of a character index. */
export function lineAndColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}
