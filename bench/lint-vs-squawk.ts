// Measures Airlock's migration linter and squawk side by side on the lint corpus
// (test/fixtures/lint-corpus): how many unsafe migrations each catches, how many safe ones each
// wrongly flags. Run: node bench/lint-vs-squawk.ts   (no database needed)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { lintPaths } from '../lambdas/engine/lint/index.ts';
import { scriptFromText } from '../lambdas/engine/migrations/load.ts';
import { bindPlaceholders, loadParser } from '../lambdas/engine/sql/parse.ts';
import { corpusPath, readManifest, type CorpusEntry } from '../test/support/lint-corpus.ts';

/**
 * squawk rules left out of the comparison. Airlock sets lock_timeout and statement_timeout itself
 * (SET LOCAL per migration), so squawk's timeout rules would flag every file; the rest are style or
 * re-runnability advice, not something that blocks or breaks production.
 */
const excludedSquawkRules = {
  timeouts: ['require-timeout-settings', 'require-lock-timeout', 'require-statement-timeout'],
  style: [
    'prefer-robust-stmts',
    'prefer-bigint-over-int',
    'prefer-bigint-over-smallint',
    'prefer-identity',
    'prefer-text-field',
    'prefer-timestamptz',
    'ban-char-field',
    'require-enum-value-ordering',
    'identifier-too-long',
  ],
};

interface Verdict {
  /** True when the tool reports at least one error for the file. */
  readonly flagged: boolean;
  /** Rule ids that fired (errors only), for the lists of misses. */
  readonly rules: readonly string[];
  readonly failure?: string;
}

interface Tool {
  readonly name: string;
  readonly verdicts: ReadonlyMap<string, Verdict>;
}

function squawkBinary(): string {
  const require = createRequire(import.meta.url);
  const { getBinaryPath } = require('squawk-cli/js/index.js') as { getBinaryPath(): string };
  return getBinaryPath();
}

function squawkVersion(binary: string): string {
  return spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/**
 * Runs squawk on one file through stdin. `:lo`/`:hi` batch placeholders become `$1`/`$2` first
 * (squawk's parser rejects them; Airlock's runner binds them the same way).
 */
function runSquawk(binary: string, entry: CorpusEntry, assumeInTransaction: boolean): Verdict {
  const { text } = bindPlaceholders(readFileSync(corpusPath(entry), 'utf8'));
  const args = [
    '--reporter=json',
    '--pg-version=17',
    `--exclude=${[...excludedSquawkRules.timeouts, ...excludedSquawkRules.style].join(',')}`,
    `--stdin-filepath=${entry.file}`,
    ...(assumeInTransaction ? ['--assume-in-transaction'] : []),
  ];
  const run = spawnSync(binary, args, { input: text, encoding: 'utf8' });
  let findings: Array<{ rule_name: string }>;
  try {
    findings = JSON.parse(run.stdout || '[]') as Array<{ rule_name: string }>;
  } catch {
    return { flagged: false, rules: [], failure: `squawk exited ${run.status}: ${run.stderr.trim().slice(0, 200)}` };
  }
  const rules = [...new Set(findings.map((f) => f.rule_name))];
  return { flagged: rules.length > 0, rules };
}

/** Whether Airlock runs this file inside one transaction (false: statement by statement, autocommit). */
function airlockUsesTransaction(entry: CorpusEntry): boolean {
  const script = scriptFromText(entry.file, 'up', readFileSync(corpusPath(entry), 'utf8'), '', []);
  return script !== undefined && !script.autocommit;
}

async function runAirlock(entry: CorpusEntry): Promise<Verdict> {
  try {
    const { findings } = await lintPaths([corpusPath(entry)]);
    const rules = [...new Set(findings.filter((f) => f.severity === 'error').map((f) => f.rule))];
    return { flagged: rules.length > 0, rules };
  } catch (error) {
    return { flagged: false, rules: [], failure: `lintPaths threw: ${(error as Error).message.split('\n')[0]}` };
  }
}

function summarize(tool: Tool, entries: readonly CorpusEntry[]) {
  const unsafe = entries.filter((e) => !e.safe);
  const safe = entries.filter((e) => e.safe);
  const caught = unsafe.filter((e) => tool.verdicts.get(e.file)?.flagged);
  const falseAlarms = safe.filter((e) => tool.verdicts.get(e.file)?.flagged);
  return {
    caught: caught.length,
    unsafe: unsafe.length,
    falseAlarms: falseAlarms.length,
    safe: safe.length,
    missed: unsafe.filter((e) => !tool.verdicts.get(e.file)?.flagged),
    flaggedSafe: falseAlarms,
  };
}

function pct(n: number, d: number): string {
  return d === 0 ? '–' : `${((100 * n) / d).toFixed(0)}%`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  await loadParser();
  const entries = readManifest();
  const binary = squawkBinary();
  const tools: Tool[] = [];

  const verdicts = new Map<string, Verdict>();
  for (const e of entries) verdicts.set(e.file, await runAirlock(e));
  tools.push({ name: 'airlock lint', verdicts });
  tools.push({ name: `${squawkVersion(binary)} (defaults)`, verdicts: new Map(entries.map((e) => [e.file, runSquawk(binary, e, false)])) });
  tools.push({
    name: `${squawkVersion(binary)} (in-transaction as Airlock runs it)`,
    verdicts: new Map(entries.map((e) => [e.file, runSquawk(binary, e, airlockUsesTransaction(e))])),
  });

  console.log(`Lint corpus: ${entries.filter((e) => !e.safe).length} unsafe, ${entries.filter((e) => e.safe).length} safe migrations (test/fixtures/lint-corpus).`);
  console.log(`squawk rules excluded: timeouts (${excludedSquawkRules.timeouts.join(', ')}); style (${excludedSquawkRules.style.join(', ')}).`);
  // Holdout files were written after the linter landed, so its author could not have tuned it to them.
  const holdout = entries.filter((e) => e.classes.includes('holdout'));
  for (const [title, subset] of [
    ['whole corpus', entries],
    [`holdout files only (${holdout.length}, written after the linter landed)`, holdout],
  ] as const) {
    const rows = [['tool', 'unsafe caught', 'safe flagged as error']];
    for (const tool of tools) {
      const s = summarize(tool, subset);
      rows.push([tool.name, `${s.caught}/${s.unsafe} (${pct(s.caught, s.unsafe)})`, `${s.falseAlarms}/${s.safe} (${pct(s.falseAlarms, s.safe)})`]);
    }
    console.log(`\n${title}:\n${table(rows)}`);
  }

  for (const tool of tools) {
    const s = summarize(tool, entries);
    console.log(`\n## ${tool.name}`);
    console.log(`missed unsafe (${s.missed.length}):`);
    for (const e of s.missed) console.log(`  ${e.file}${tool.verdicts.get(e.file)?.failure ? `  [${tool.verdicts.get(e.file)!.failure}]` : ''}`);
    console.log(`safe flagged as error (${s.flaggedSafe.length}):`);
    for (const e of s.flaggedSafe) console.log(`  ${e.file}  [${tool.verdicts.get(e.file)!.rules.join(', ')}]`);
    if (tool.name === 'airlock lint') {
      const otherRule = entries.filter((e) => !e.safe && e.expectRule && tool.verdicts.get(e.file)?.flagged && !tool.verdicts.get(e.file)!.rules.includes(e.expectRule));
      console.log(`caught, but not by the rule the manifest expects (${otherRule.length}):`);
      for (const e of otherRule) console.log(`  ${e.file}  expected ${e.expectRule}, got [${tool.verdicts.get(e.file)!.rules.join(', ')}]`);
    }
    const failures = entries.filter((e) => tool.verdicts.get(e.file)?.failure);
    if (failures.length > 0) console.log(`tool failures: ${failures.length}`);
  }
}

await main();
