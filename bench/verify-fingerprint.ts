/**
 * Cost of the post-apply built-in checks and of the content-hash fingerprint on a 2M-row table,
 * measured side by side with plain sequential scans of the same table, in one run, rounds
 * interleaved so that cache and CPU noise hit every variant alike.
 *
 *   node bench/verify-fingerprint.ts            (embedded PostgreSQL 17)
 *   BENCH_DATABASE_URL=postgres://… node bench/verify-fingerprint.ts
 *   BENCH_ROWS=2000000 BENCH_ROUNDS=7            (defaults)
 */
import pg from 'pg';
import { rowHashExpression, takeFingerprint } from '../lambdas/engine/fingerprint.ts';
import { ensureLedger, recordApplied } from '../lambdas/engine/ledger.ts';
import { loadMigrationSet } from '../lambdas/engine/migrations/load.ts';
import { loadParser } from '../lambdas/engine/sql/parse.ts';
import { runVerification } from '../lambdas/engine/verify/verify.ts';
import { urlConnector } from '../lambdas/local/url-connector.ts';
import { benchServer, connect, machine, median, migrationDir, removeDir } from './support.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 2_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const DATABASE = 'airlock_bench_verify';

const server = await benchServer();
const url = await server.freshDatabase(DATABASE);
const client = await connect(url);

const upSql = `CREATE TABLE payments (
  id bigint PRIMARY KEY, account_id int NOT NULL, amount numeric(12,2), status text,
  created_at timestamptz NOT NULL DEFAULT now(), note text);
CREATE INDEX payments_account_idx ON payments (account_id);`;
const dir = await migrationDir({ '0001_payments.up.sql': upSql });
await loadParser();
const set = await loadMigrationSet(dir);

process.stdout.write(`building a ${ROWS.toLocaleString('en')}-row table…\n`);
await client.query(upSql);
await client.query(
  `INSERT INTO payments SELECT g, g % 1000, (g % 10000) / 100.0, CASE WHEN g % 3 = 0 THEN 'open' ELSE 'closed' END,
          timestamptz '2024-01-01' + g * interval '1 second', md5(g::text) FROM generate_series(1, $1) g`,
  [ROWS],
);
await client.query('VACUUM ANALYZE payments');
await ensureLedger(client);
await recordApplied(client, { version: '1', name: 'payments', checksum: set.migrations[0]!.up.checksum, durationMs: 1, runId: 'bench' });
const { rows: sizeRows } = await client.query(
  `SELECT pg_size_pretty(pg_relation_size('payments')) AS heap, current_setting('server_version') AS v,
          current_setting('server_version_num')::int AS "versionNum", current_setting('max_parallel_workers_per_gather') AS w`,
);
const { rows: cols } = await client.query<{ name: string; typeId: number }>(
  `SELECT attname AS name, atttypid::int AS "typeId" FROM pg_attribute WHERE attrelid = 'payments'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
);

const connector = urlConnector(url);
const countEveryColumn = cols.map((c) => `count(p.${pg.escapeIdentifier(c.name)})`).join(', ');
// The content hash of fingerprint format 1, kept here to show what format 2 gained.
const format1 = `hash_record_extended(ROW(p.id, p.account_id, p.amount::text COLLATE "C", p.status COLLATE "C", p.created_at, p.note COLLATE "C"), 0)`;
// What making timestamps exact would cost: their text instead of PostgreSQL's folding 64-bit hash.
const format2 = rowHashExpression(sizeRows[0].versionNum, 'p', cols.map((c) => (c.typeId === 1184 ? { ...c, typeId: 25 } : c)));
const exactTimestamps = format2.replace(`hashtextextended(p."created_at" COLLATE "C"`, `hashtextextended(p."created_at"::text COLLATE "C"`);
if (exactTimestamps === format2) throw new Error(`rowHashExpression no longer hashes created_at as expected: ${format2}`);
const variants: Record<string, () => Promise<unknown>> = {
  // Forced to a sequential scan: the primary key would otherwise answer count(*) with an index-only scan.
  'seq scan: count(*)': () => client.query(`BEGIN; SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; SELECT count(*) FROM payments; COMMIT`),
  'seq scan reading every column (count of each)': () => client.query(`SELECT count(*), ${countEveryColumn} FROM payments p`),
  'seq scan hashing one column only (note)': () => client.query(`SELECT count(*), sum(hashtextextended(p.note, 0)) FROM payments p`),
  'seq scan printing every row as text (what COPY does)': () => client.query(`SELECT sum(length(p::text)) FROM payments p`),
  'built-in checks': () => runVerification({ connector, set, builtIns: true }),
  'fingerprint, counts only': () => takeFingerprint(client, { content: false }),
  'fingerprint --content': () => takeFingerprint(client, { content: true }),
  'content hash of format 1 (hash_record_extended of a ROW)': () => client.query(`SELECT count(*), sum(${format1}) FROM payments p`),
  'content hash of format 1 on PostgreSQL 13 (the row as text)': () => client.query(`SELECT count(*), sum(hashtextextended(p::text, 0)) FROM payments p`),
  'format 2 with timestamps hashed as text (exact)': () => client.query(`SELECT count(*), sum(${exactTimestamps}) FROM payments p`),
};

const timings = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
for (const run of Object.values(variants)) await run(); // warm the cache and the parser
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(variants)) {
    const started = performance.now();
    await run();
    timings.get(name)!.push(performance.now() - started);
  }
}
const m = new Map([...timings].map(([k, v]) => [k, median(v)]));
const seq = m.get('seq scan: count(*)')!;
const readAll = m.get('seq scan reading every column (count of each)')!;
const oneColumn = m.get('seq scan hashing one column only (note)')!;
const asText = m.get('seq scan printing every row as text (what COPY does)')!;
const content = m.get('fingerprint --content')!;
const format1Ms = m.get('content hash of format 1 (hash_record_extended of a ROW)')!;
const format1On13Ms = m.get('content hash of format 1 on PostgreSQL 13 (the row as text)')!;
const exactMs = m.get('format 2 with timestamps hashed as text (exact)')!;
const combined = m.get('built-in checks')! + content;

process.stdout.write(`\nPostgreSQL ${sizeRows[0].v}${server.embedded ? ' (embedded)' : ''}, ${ROWS.toLocaleString('en')} rows, heap ${sizeRows[0].heap}, max_parallel_workers_per_gather ${sizeRows[0].w}; median of ${ROUNDS} interleaved rounds; ${machine()}\n\n`);
process.stdout.write('| variant | median ms | × seq scan count(*) |\n|---|---:|---:|\n');
for (const [name, ms] of m) process.stdout.write(`| ${name} | ${ms.toFixed(1)} | ${(ms / seq).toFixed(2)} |\n`);
process.stdout.write(`\nbuilt-in checks + fingerprint --content: ${combined.toFixed(1)} ms = ${(combined / seq).toFixed(2)} × seq scan count(*), ` +
  `${(combined / readAll).toFixed(2)} × a seq scan reading every column, ${(combined / asText).toFixed(2)} × a seq scan printing every row\n`);
process.stdout.write(`hashing the one text column alone costs ${(oneColumn / seq).toFixed(2)} × seq scan count(*); ` +
  `fingerprint --content is ${(content / format1Ms).toFixed(2)} × the format-1 hash\n`);
process.stdout.write(`format 2 (fingerprint --content) / format 1 on PostgreSQL 13 (the row as text): ${(content / format1On13Ms).toFixed(2)} ×; ` +
  `format 1 / format 2: ${(format1Ms / content).toFixed(2)} ×; format 1 on PostgreSQL 13 / format 2: ${(format1On13Ms / content).toFixed(2)} ×; ` +
  `timestamps hashed as text / format 2: ${(exactMs / content).toFixed(2)} ×\n`);

await client.end();
await server.dropDatabase(DATABASE);
await server.stop();
await removeDir(dir);
