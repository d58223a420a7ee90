/**
 * Where the CLI's peak memory goes: V8 optimising the SQL parser's WebAssembly (libpg-query).
 * Each case is a fresh `node` child that loads the parser, parses some SQL and lingers 2 s (so
 * background compilation shows); its peak RSS is read as in bench/backfill.ts. Each case runs
 * under plain `node`, under `node --liftoff-only` (V8's baseline WebAssembly compiler only), and
 * with the same flag set from inside the process (`v8.setFlagsFromString`, before the parser loads).
 *
 *   node bench/parser-memory.ts
 */
import { NODE, fmtMs, machine, printTable, runChild } from './support.ts';

const CASES: Record<string, string> = {
  'load the parser only': '',
  'parse SELECT 1': 'SELECT 1;',
  'parse 3 statements': 'SELECT 1; SELECT 2; SELECT 3;',
  // Built in the child (too long for an environment variable).
  'parse 4,000 statements': 'MANY',
};

const SCRIPT = `
if (process.env.BENCH_SET_FLAG) (await import('node:v8')).setFlagsFromString('--liftoff-only');
const { loadParser, parseStatements } = await import(${JSON.stringify(new URL('../lambdas/engine/sql/parse.ts', import.meta.url).href)});
await loadParser();
const given = process.env.BENCH_SQL ?? '';
const sql = given === 'MANY'
  ? Array.from({ length: 2000 }, (_, i) => 'ALTER TABLE t' + i + ' ADD COLUMN c int; CREATE INDEX CONCURRENTLY i' + i + ' ON t' + i + ' (a, b) WHERE c > 3;').join('\\n')
  : given;
const t0 = performance.now();
if (sql) parseStatements(sql, 'bench.sql');
console.log(performance.now() - t0);
await new Promise((r) => setTimeout(r, 2000));
`;

console.log(`parser-memory: peak RSS of a node process that loads libpg-query and parses; ${machine()}`);
const rows: string[][] = [];
for (const [label, sql] of Object.entries(CASES)) {
  for (const [runtime, flags, setFlag] of [
    ['node', [], false],
    ['node --liftoff-only', ['--liftoff-only'], false],
    ['node + v8.setFlagsFromString', [], true],
  ] as const) {
    const env = { ...process.env, BENCH_SQL: sql, ...(setFlag && { BENCH_SET_FLAG: '1' }) };
    const r = await runChild(NODE, [...flags, '--input-type=module', '-e', SCRIPT], { measureMemory: true, env });
    if (r.code !== 0) throw new Error(`${label}: exited ${r.code}: ${r.stderr}`);
    rows.push([label, runtime, sql ? fmtMs(Number(r.stdout.trim())) : '', r.peakRssMb === undefined ? '?' : `${r.peakRssMb.toFixed(0)} MB`]);
  }
}
printTable(['case', 'runtime', 'parse time', 'peak RSS'], rows);
