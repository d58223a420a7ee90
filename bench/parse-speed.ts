/**
 * How parseStatements scales with the number of statements in one file: a batched data migration
 * of n `INSERT … SELECT` statements (each with a comment, some with a block comment, multi-byte
 * text and `:lo`/`:hi` placeholders). Each size is parsed 3 times in this process (the first run
 * pays V8's warm-up); the best and the time per statement are printed. No database needed.
 *
 *   node --liftoff-only bench/parse-speed.ts      (as the CLI runs; BENCH_SIZES=1000,4000,8000)
 */
import { loadParser, parseStatements } from '../lambdas/engine/sql/parse.ts';
import { fmtMs, machine, printTable } from './support.ts';

const sizes = (process.env.BENCH_SIZES ?? '1000,4000,8000').split(',').map(Number);
const fileOf = (n: number): string =>
  Array.from({ length: n }, (_, i) =>
    `-- step é ${i}\n${i % 3 ? '' : '/* x€ */ '}INSERT INTO t (a, b) SELECT ${i}, 'x€y ${i}' FROM s WHERE id > :lo AND id <= :hi;\n`,
  ).join('');

console.log(`parse-speed: parseStatements over one file of n statements; ${machine()}`);
await loadParser();
const rows: string[][] = [];
for (const n of sizes) {
  const sql = fileOf(n);
  const times: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    const parsed = parseStatements(sql, 'bench.sql');
    times.push(performance.now() - t0);
    if (parsed.length !== n || !parsed.every((s) => s.batched)) throw new Error(`parsed ${parsed.length} statements, expected ${n} batched ones`);
  }
  const best = Math.min(...times);
  rows.push([n.toLocaleString('en'), `${(sql.length / 1024).toFixed(0)} KiB`, fmtMs(best), `${((best / n) * 1000).toFixed(1)} µs`]);
}
printTable(['statements', 'file', 'parse (best of 3)', 'per statement'], rows);
