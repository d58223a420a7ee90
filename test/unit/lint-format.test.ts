import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintCommand } from '../../bin/commands/lint.ts';
import { rules } from '../../lambdas/engine/lint/rules/index.ts';
import { loadParser } from '../../lambdas/engine/sql/parse.ts';
import { airlock } from '../support/cli.ts';
import { migrationDir } from '../support/migration-dir.ts';

beforeAll(() => loadParser());

async function run(files: Record<string, string>, format: 'text' | 'json' | 'sarif') {
  const dir = await migrationDir(files);
  let out = '';
  const { exitCode } = await lintCommand([dir], { format, write: (t) => void (out += t) });
  return { dir, out, exitCode };
}

const unsafe = { '0001_index.sql': '-- adds an index\nCREATE INDEX orders_day ON orders (day);\nALTER TABLE orders ADD COLUMN meta json;' };
const styleOnly = { '0001_meta.sql': 'ALTER TABLE orders ADD COLUMN meta json;' };

describe('airlock lint output', () => {
  it('prints file:line:col, severity, rule id and message, then the safe alternative', async () => {
    const { dir, out } = await run(unsafe, 'text');
    const lines = out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${join(dir, '0001_index.sql')}:2:1  error  require-concurrent-index-creation  CREATE INDEX orders_day takes SHARE on orders`));
    expect(lines[1]).toMatch(/^ {4}safe alternative: Use CREATE INDEX CONCURRENTLY/);
    expect(out).toContain('1 script linted: 1 error, 1 warning.');
  });

  it('prints JSON with exactly the documented fields', async () => {
    const { out } = await run(unsafe, 'json');
    const parsed = JSON.parse(out) as { findings: Array<Record<string, unknown>> };
    expect(Object.keys(parsed)).toEqual(['findings']);
    expect(parsed.findings.map((f) => Object.keys(f))).toEqual([
      ['file', 'line', 'column', 'rule', 'severity', 'message', 'help'],
      ['file', 'line', 'column', 'rule', 'severity', 'message', 'help'],
    ]);
    expect(parsed.findings.map((f) => f.severity)).toEqual(['error', 'warning']);
  });

  it('prints SARIF 2.1.0 that describes every rule and places each result', async () => {
    const { out } = await run(unsafe, 'sarif');
    const sarif = JSON.parse(out);
    expect(sarif.version).toBe('2.1.0');
    const [runLog] = sarif.runs;
    expect(runLog.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(rules.map((r) => r.id));
    const [result] = runLog.results;
    expect(result.ruleId).toBe('require-concurrent-index-creation');
    expect(runLog.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
    expect(result.level).toBe('error');
    expect(result.locations[0].physicalLocation.region).toEqual({ startLine: 2, startColumn: 1 });
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^file:\/\/\/.*0001_index\.sql$/);
  });

  it('exits 1 when an error remains and 0 when only warnings do', async () => {
    expect((await run(unsafe, 'text')).exitCode).toBe(1);
    expect((await run(styleOnly, 'text')).exitCode).toBe(0);
  });

  it('is the airlock lint verb of the CLI, with the same exit codes', async () => {
    const bad = await migrationDir(unsafe);
    const good = await migrationDir(styleOnly);
    const cli = (dir: string) => airlock(['lint', '--format', 'json', dir]);
    const failing = await cli(bad);
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout).findings).toHaveLength(2);
    expect((await cli(good)).code).toBe(0);
  });
});
