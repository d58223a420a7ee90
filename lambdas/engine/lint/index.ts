import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type pg from 'pg';
import { InputError, type InputProblem } from '../../errors.ts';
import { urlConnector } from '../../local/url-connector.ts';
import { readApplied } from '../ledger.ts';
import { compareVersions, decodeScript, parseFileName, type MigrationSet, type ScriptRole } from '../migrations/load.ts';
import { loadParser } from '../sql/parse.ts';
import { readDatabaseSchema } from './database.ts';
import { lintableFromText, lintScript, sortFindings, type Acknowledged, type EngineOptions, type LintableScript } from './engine.ts';
import { SchemaTracker, type DatabaseSchema } from './schema.ts';
import type { Finding } from './types.ts';

export type { Finding, Rule, Severity } from './types.ts';
export type { Acknowledged } from './engine.ts';
export { rules, rulesById } from './rules/index.ts';

export interface LintOptions extends EngineOptions {
  /** Read column types, validated checks, table sizes and the ledger from this database (read-only). */
  readonly databaseUrl?: string;
  /** The same from an already-connected client (the caller keeps it open). Wins over databaseUrl. */
  readonly client?: pg.Client;
  /** Lint down scripts too, with the destructive rules off. @default true */
  readonly includeDown?: boolean;
}

export interface LintResult {
  /** Unacknowledged findings, by file and position. */
  readonly findings: Finding[];
  /** Findings an `-- airlock:allow` directive acknowledged, with its reason. */
  readonly acknowledged: Acknowledged[];
  /** Scripts linted (applied migrations read for context only are not counted). */
  readonly scripts: number;
}

interface Step {
  readonly up: LintableScript;
  readonly down?: LintableScript;
  /** Already applied (its checksum is in the ledger): read for context, not linted. */
  readonly applied: boolean;
}

/**
 * Lints migration files and directories. Files named as migrations (`0001_x.sql`, `V1__x.sql`) that
 * share a directory form one migration set, linted in version order with context carried from
 * migration to migration; any other `.sql` file is linted on its own. Problems that would stop the
 * loader (syntax errors, bad directives) become findings, and linting goes on.
 */
export async function lintPaths(paths: readonly string[], options: LintOptions = {}): Promise<LintResult> {
  await loadParser();
  const files = await collectFiles(paths);
  return withDatabase(options, async (db, applied) => {
    const units = await buildUnits(files, applied);
    return lintUnits(units, db, options);
  });
}

/**
 * Lints an already-loaded migration set. `appliedVersions` are read for context only: their tables
 * exist and may hold rows. Everything else is linted, in version order.
 */
export async function lintMigrationSet(set: MigrationSet, options: LintOptions & { appliedVersions?: readonly string[] } = {}): Promise<LintResult> {
  await loadParser();
  const applied = new Set(options.appliedVersions ?? []);
  return withDatabase(options, async (db) => {
    const steps: Step[] = set.migrations.map((m) => ({ up: m.up, ...(m.down && { down: m.down }), applied: applied.has(m.version) }));
    return lintUnits([steps], db, options);
  });
}

async function withDatabase(
  options: LintOptions,
  run: (db: DatabaseSchema | undefined, applied: ReadonlyMap<string, string>) => Promise<LintResult>,
): Promise<LintResult> {
  if (options.client) return run(await readDatabaseSchema(options.client), await appliedChecksums(options.client));
  if (!options.databaseUrl) return run(undefined, new Map());
  const client = await urlConnector(options.databaseUrl, 'airlock lint').connect();
  try {
    // The linter only reads; make the session refuse any write, to be sure.
    await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
    return await run(await readDatabaseSchema(client), await appliedChecksums(client));
  } finally {
    await client.end().catch(() => {});
  }
}

async function appliedChecksums(client: pg.Client): Promise<Map<string, string>> {
  return new Map((await readApplied(client)).map((m) => [m.version, m.checksum]));
}

function lintUnits(units: readonly (readonly Step[])[], db: DatabaseSchema | undefined, options: LintOptions): LintResult {
  const findings: Finding[] = [];
  const acknowledged: Acknowledged[] = [];
  let scripts = 0;
  for (const steps of units) {
    const schema = new SchemaTracker();
    // Applied migrations first, so the database (the truth about them) can overlay what they guessed.
    for (const step of steps) if (step.applied) lintScript(step.up, schema, false, options);
    if (db) schema.overlay(db);
    for (const step of steps) {
      if (step.applied) continue;
      const up = lintScript(step.up, schema, true, options);
      findings.push(...up.findings);
      acknowledged.push(...up.acknowledged);
      // The stand-in up script of a lone down script is not a script of its own.
      if (step.up.statements.length > 0 || step.up.loadFindings?.length || !step.down) scripts++;
      if (step.down && options.includeDown !== false) {
        // A down script runs after its up script, and changes nothing the next migration sees.
        const down = lintScript(step.down, schema.clone(), true, options);
        findings.push(...down.findings);
        acknowledged.push(...down.acknowledged);
        scripts++;
      }
    }
  }
  return { findings: sortFindings(findings), acknowledged: sortFindings(acknowledged), scripts };
}

async function collectFiles(paths: readonly string[]): Promise<string[]> {
  const problems: InputProblem[] = [];
  const out: string[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      problems.push({ file: path, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass existing files or directories.` });
      continue;
    }
    if (info.isDirectory()) out.push(...(await sqlFilesUnder(path)));
    else out.push(path);
  }
  if (problems.length > 0) throw new InputError(problems);
  return [...new Set(out)];
}

async function sqlFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sqlFilesUnder(path)));
    else if (e.name.toLowerCase().endsWith('.sql')) out.push(path);
  }
  return out;
}

function lintableFromBytes(file: string, role: ScriptRole, bytes: Buffer): { script: LintableScript; checksum: string } {
  // Read as the loader reads it: the same text, and the same checksum the ledger compares.
  const { sql, checksum } = decodeScript(bytes);
  if (sql === undefined) {
    const script = lintableFromText(file, role, '');
    return {
      checksum,
      script: {
        ...script,
        loadFindings: [{ file, line: 1, column: 1, rule: 'syntax-error', severity: 'error', message: 'is not valid UTF-8.', help: 'Save the file as UTF-8.' }],
      },
    };
  }
  return { script: lintableFromText(file, role, sql), checksum };
}

/** A script with nothing in it, standing in for the missing up script of a lone down script. */
function nothing(file: string): LintableScript {
  return { file, role: 'up', autocommit: false, directives: { noTransaction: false, allows: [] }, statements: [] };
}

/** Reads every file before linting, many at a time: reading one by one leaves the CPU idle. */
async function readAll(files: readonly string[]): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      contents.set(file, await readFile(file));
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, files.length) }, worker));
  return contents;
}

/** Groups files into migration sets (per directory) and lone files, each an independent unit. */
async function buildUnits(files: readonly string[], applied: ReadonlyMap<string, string>): Promise<Step[][]> {
  const contents = await readAll(files);
  const readLintable = (file: string, role: ScriptRole) => lintableFromBytes(file, role, contents.get(file)!);
  const units: Step[][] = [];
  const sets = new Map<string, Map<string, Partial<Record<ScriptRole, string>>>>();
  const lone: Array<{ file: string; role: ScriptRole }> = [];
  for (const file of files) {
    const named = parseFileName(basename(file));
    if (typeof named === 'string') {
      lone.push({ file, role: /\.down\.sql$/i.test(file) ? 'down' : 'up' });
      continue;
    }
    const versions = sets.get(dirname(file)) ?? new Map<string, Partial<Record<ScriptRole, string>>>();
    sets.set(dirname(file), versions);
    const slot = versions.get(named.version) ?? {};
    versions.set(named.version, slot);
    if (slot[named.role]) lone.push({ file, role: named.role });
    else slot[named.role] = file;
  }
  for (const versions of sets.values()) {
    const steps: Step[] = [];
    for (const version of [...versions.keys()].sort(compareVersions)) {
      const slot = versions.get(version)!;
      if (slot.verify) {
        // Checks are not linted, but one that does not parse would stop the loader: say so.
        const { script } = readLintable(slot.verify, 'verify');
        if (script.loadFindings?.length) units.push([{ up: { ...nothing(slot.verify), loadFindings: script.loadFindings }, applied: false }]);
      }
      if (!slot.up) {
        if (slot.down) lone.push({ file: slot.down, role: 'down' });
        continue;
      }
      const up = readLintable(slot.up, 'up');
      const down = slot.down ? readLintable(slot.down, 'down').script : undefined;
      steps.push({ up: up.script, ...(down && { down }), applied: applied.get(version) === up.checksum });
    }
    units.push(steps);
  }
  for (const { file, role } of lone) {
    const { script } = readLintable(file, role);
    units.push([role === 'down' ? { up: nothing(file), down: script, applied: false } : { up: script, applied: false }]);
  }
  return units;
}
