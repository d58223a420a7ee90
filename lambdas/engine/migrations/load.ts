import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InputError, type InputProblem } from '../../errors.ts';
import { loadParser, parseStatements, type ParsedStatement } from '../sql/parse.ts';
import { refusesTransaction } from '../sql/transaction-rules.ts';
import { parseDirectives, type Directives } from './directives.ts';

export type ScriptRole = 'up' | 'down' | 'verify';

export interface MigrationScript {
  /** Path as given (directory joined with the file name). */
  readonly file: string;
  readonly role: ScriptRole;
  readonly sql: string;
  /** sha256 of the file's bytes, hex. */
  readonly checksum: string;
  readonly directives: Directives;
  readonly statements: readonly ParsedStatement[];
  /** True when the script runs statement by statement in autocommit (directive, batches, or statements that refuse a transaction). */
  readonly autocommit: boolean;
}

export interface Migration {
  /** Normalized version: numeric parts without leading zeros, joined by dots (`0001` → `1`, `V1_2` → `1.2`). */
  readonly version: string;
  readonly name: string;
  readonly up: MigrationScript;
  readonly down?: MigrationScript;
  readonly verify?: MigrationScript;
}

export interface MigrationSet {
  readonly dir: string;
  /** Ascending by version. */
  readonly migrations: readonly Migration[];
}

interface NamedFile {
  readonly version: string;
  readonly name: string;
  readonly role: ScriptRole;
}

const AIRLOCK_NAME = /^(\d+)_([^.]+?)(?:\.(up|down|verify))?\.sql$/;
const FLYWAY_NAME = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;

/** Reads a file name as a migration script, or says why it cannot. */
export function parseFileName(fileName: string): NamedFile | string {
  const a = AIRLOCK_NAME.exec(fileName);
  if (a) return { version: normalizeVersion(a[1]!), name: a[2]!, role: (a[3] as ScriptRole | undefined) ?? 'up' };
  const f = FLYWAY_NAME.exec(fileName);
  if (f) return { version: normalizeVersion(f[2]!), name: f[3]!, role: f[1] === 'V' ? 'up' : 'down' };
  if (/^R__/.test(fileName)) return `Flyway repeatable migrations (R__) are not supported; give it a version, e.g. 0007_${fileName.slice(3)}.`;
  return `the name matches no migration pattern; rename it to NNNN_name.up.sql (or .down.sql / .verify.sql, or plain NNNN_name.sql), or Flyway's V1__name.sql / U1__name.sql.`;
}

export function normalizeVersion(raw: string): string {
  return raw
    .split(/[._]/)
    .map((part) => String(BigInt(part)))
    .join('.');
}

/** Orders versions numerically part by part: 2 < 10, 1.2 < 1.10. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(BigInt);
  const pb = b.split('.').map(BigInt);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? -1n;
    const y = pb[i] ?? -1n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A script file's bytes as the loader and the linter both read them: `checksum` is the sha256 of the
 * bytes, hex (what the ledger records, so what decides that a migration counts as applied); `sql` is
 * the UTF-8 text without a leading byte-order mark, undefined when the bytes are not valid UTF-8.
 */
export function decodeScript(bytes: Uint8Array): { sql: string | undefined; checksum: string } {
  const checksum = createHash('sha256').update(bytes).digest('hex');
  let sql: string;
  try {
    sql = utf8.decode(bytes);
  } catch {
    return { sql: undefined, checksum };
  }
  return { sql: sql.charCodeAt(0) === 0xfeff ? sql.slice(1) : sql, checksum };
}

/** True when a script runs statement by statement in autocommit: its directive says so, it is batched, or a statement refuses a transaction. */
export function autocommitOf(directives: Directives, statements: readonly ParsedStatement[]): boolean {
  return directives.noTransaction || directives.batch !== undefined || statements.some((s) => refusesTransaction(s) !== undefined);
}

/** Something in a script that stops it from running; the loader and the linter each word it their own way. */
export type ScriptFault =
  | { readonly kind: 'no-statement' }
  | { readonly kind: 'transaction-control'; readonly statement: ParsedStatement }
  | { readonly kind: 'batched-without-directive'; readonly statement: ParsedStatement }
  | { readonly kind: 'directive-without-batched'; readonly line: number };

/** The faults of an up or down script (a verify script holds checks, so it has none), in file order. */
export function scriptFaults(role: ScriptRole, directives: Directives, statements: readonly ParsedStatement[]): ScriptFault[] {
  if (role === 'verify') return [];
  const faults: ScriptFault[] = [];
  if (statements.length === 0) faults.push({ kind: 'no-statement' });
  for (const statement of statements) {
    if (statement.kind === 'TransactionStmt') faults.push({ kind: 'transaction-control', statement });
    if (statement.batched && !directives.batch) faults.push({ kind: 'batched-without-directive', statement });
  }
  if (directives.batch && !statements.some((s) => s.batched)) faults.push({ kind: 'directive-without-batched', line: directives.batch.line });
  return faults;
}

/** Loads one script's text, directives and statements; problems are collected, not thrown. */
export async function loadScript(file: string, role: ScriptRole, problems: InputProblem[]): Promise<MigrationScript | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    problems.push({ file, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check its permissions.` });
    return undefined;
  }
  const { sql, checksum } = decodeScript(bytes);
  if (sql === undefined) {
    problems.push({ file, message: 'is not valid UTF-8; save it as UTF-8.' });
    return undefined;
  }
  return scriptFromText(file, role, sql, checksum, problems);
}

/** Builds a script from text already read; the loader and the linter share it. */
export function scriptFromText(file: string, role: ScriptRole, sql: string, checksum: string, problems: InputProblem[]): MigrationScript | undefined {
  let statements: ParsedStatement[];
  try {
    statements = parseStatements(sql, file);
  } catch (error) {
    if (error instanceof InputError) {
      problems.push(...error.problems);
      return undefined;
    }
    throw error;
  }
  const firstLine = statements[0]?.line ?? Number.MAX_SAFE_INTEGER;
  const { directives, problems: directiveProblems } = parseDirectives(file, sql, firstLine);
  problems.push(...directiveProblems);
  for (const fault of scriptFaults(role, directives, statements)) {
    switch (fault.kind) {
      case 'no-statement':
        problems.push({ file, message: 'holds no SQL statement; add one or delete the file.' });
        break;
      case 'transaction-control': {
        const s = fault.statement;
        problems.push({
          file,
          line: s.line,
          column: s.column,
          message: `'${s.text.split(/\s/)[0]}' controls transactions, which Airlock does itself (one transaction per migration, or '-- airlock:no-transaction'); remove it.`,
        });
        break;
      }
      case 'batched-without-directive':
        problems.push({ file, line: fault.statement.line, column: fault.statement.column, message: 'uses :lo/:hi but the file has no batch directive; add "-- airlock:batch table=<t> key=<col> size=<n>" at the top.' });
        break;
      case 'directive-without-batched':
        problems.push({ file, line: fault.line, message: "has a batch directive but no statement uses :lo and :hi; bound the statement with 'key > :lo AND key <= :hi'." });
        break;
    }
  }
  return { file, role, sql, checksum, directives, statements, autocommit: autocommitOf(directives, statements) };
}

/**
 * Loads a migration directory. Every problem in every file is collected and reported together in
 * one {@link InputError}; nothing is returned (and so nothing can be applied) while any remains.
 */
export async function loadMigrationSet(dir: string): Promise<MigrationSet> {
  await loadParser();
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  } catch (error) {
    throw new InputError([{ file: dir, message: `the migration directory cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass --dir with an existing directory.` }]);
  }
  const problems: InputProblem[] = [];
  const byVersion = new Map<string, { name?: string; files: Partial<Record<ScriptRole, string>> }>();
  for (const fileName of entries.filter((n) => n.toLowerCase().endsWith('.sql')).sort()) {
    const file = join(dir, fileName);
    const parsed = parseFileName(fileName);
    if (typeof parsed === 'string') {
      problems.push({ file, message: parsed });
      continue;
    }
    const slot = byVersion.get(parsed.version) ?? { files: {} };
    const existing = slot.files[parsed.role];
    if (existing) {
      problems.push({ file, message: `version ${parsed.version} already has ${parsed.role} script ${basename(existing)}; give one of them a new version number.` });
      continue;
    }
    slot.files[parsed.role] = file;
    if (parsed.role === 'up') slot.name = parsed.name;
    byVersion.set(parsed.version, slot);
  }
  const migrations: Migration[] = [];
  for (const version of [...byVersion.keys()].sort(compareVersions)) {
    const { name, files } = byVersion.get(version)!;
    if (!files.up) {
      for (const orphan of [files.down, files.verify].filter((f): f is string => f !== undefined)) {
        problems.push({ file: orphan, message: `has no up script for version ${version}; add ${version.padStart(4, '0')}_<name>.up.sql or rename this file.` });
      }
      continue;
    }
    const up = await loadScript(files.up, 'up', problems);
    const down = files.down ? await loadScript(files.down, 'down', problems) : undefined;
    const verify = files.verify ? await loadScript(files.verify, 'verify', problems) : undefined;
    if (up) migrations.push({ version, name: name!, up, ...(down && { down }), ...(verify && { verify }) });
  }
  if (problems.length > 0) throw new InputError(problems);
  return { dir, migrations };
}
