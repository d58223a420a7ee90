/**
 * Backfill benchmark: copy a 3M-row table into a monthly range-partitioned table, three ways, on
 * the same server in the same run:
 *   (a) one `INSERT … SELECT` of the whole table (the speed ceiling; one huge transaction)
 *   (b) Airlock's batch directive (10k-row keyset batches, each committed with its cursor) through
 *       `airlock migrate` as a child process, whose peak RSS is measured
 *   (c) the usual runbook loop: 100k-row `INSERT … SELECT … ORDER BY id LIMIT … OFFSET …`, each committed
 * then (b) again at 0.75M and 1.5M rows, to show its cost is linear in rows.
 *
 *   node bench/backfill.ts   (env: BENCH_DATABASE_URL, BENCH_ROWS (default 3000000), BENCH_REPS (3), BENCH_OFFSET_LIMIT_S (180))
 */
import { loadavg } from 'node:os';
import type pg from 'pg';
import { airlockMigrate, benchServer, connect, fmtMs, machine, median, migrationDir, printTable, removeDir } from './support.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 3_000_000);
const SIZES = [ROWS / 4, ROWS / 2, ROWS].map(Math.round);
const BATCH = 10_000;
const OFFSET_STEP = 100_000;
/** The LIMIT/OFFSET loop stops here if it has not finished; the report then says how far it got. */
const OFFSET_LIMIT_MS = Number(process.env.BENCH_OFFSET_LIMIT_S ?? 180) * 1000;
const MONTHS = 24;
/** (a) and each Airlock size run this many times, interleaved; the report gives the best and the median. */
const REPS = Number(process.env.BENCH_REPS ?? 3);

/**
 * PostgreSQL's own defaults for durability (the embedded server turns them off for tests): a
 * backfill's per-batch commits must pay for their fsyncs here as they would on RDS. max_wal_size
 * is raised so that no variant happens to pay for a checkpoint the others do not.
 */
const SETTINGS = {
  max_connections: '100',
  shared_buffers: '256MB',
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  max_wal_size: '8GB',
  checkpoint_timeout: '30min',
};

const sourceName = (rows: number): string => (rows === ROWS ? 'src' : `src_${rows}`);

async function prepare(c: pg.Client): Promise<void> {
  await c.query(`CREATE TABLE src (
    id bigint PRIMARY KEY,
    created_at timestamptz NOT NULL,
    account_id int NOT NULL,
    amount numeric(12,2) NOT NULL,
    note text NOT NULL)`);
  // created_at grows with id across MONTHS months, as an append-only table's does.
  await c.query(
    `INSERT INTO src SELECT g, timestamptz '2023-01-01 00:00:00+00' + (g - 1) * (interval '1 month' * $2::int / $1::int),
            (g::bigint * 7919) % 100000, ((g::bigint * 31) % 100000) / 100.0, 'order ' || md5(g::text)
       FROM generate_series(1, $1::int) g`,
    [ROWS, MONTHS],
  );
  for (const n of SIZES.filter((n) => n !== ROWS)) {
    await c.query(`CREATE TABLE ${sourceName(n)} (LIKE src INCLUDING ALL)`);
    await c.query(`INSERT INTO ${sourceName(n)} SELECT * FROM src WHERE id <= $1`, [n]);
  }
  await c.query(`CREATE TABLE dst (LIKE src INCLUDING DEFAULTS, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)`);
  const { rows } = await c.query(`SELECT date_trunc('month', min(created_at) AT TIME ZONE 'UTC') AS lo, max(created_at) AT TIME ZONE 'UTC' AS hi FROM src`);
  const { rows: months } = await c.query(`SELECT to_char(m, 'YYYY_MM') AS name, m::text AS lo, (m + interval '1 month')::text AS hi
      FROM generate_series($1::timestamp, $2::timestamp, interval '1 month') m`, [rows[0].lo, rows[0].hi]);
  for (const m of months) {
    await c.query(`CREATE TABLE dst_${m.name} PARTITION OF dst FOR VALUES FROM ('${m.lo}+00') TO ('${m.hi}+00')`);
  }
  for (const n of SIZES) await c.query(`VACUUM ANALYZE ${sourceName(n)}`);
  console.log(`  dst: ${months.length} monthly partitions`);
}

/** Empties the target and the ledger, and checkpoints, so every variant starts from the same state. */
async function reset(c: pg.Client): Promise<void> {
  await c.query('TRUNCATE dst');
  await c.query('DROP SCHEMA IF EXISTS airlock CASCADE');
  await c.query('CHECKPOINT');
}

async function verify(c: pg.Client, rows: number, what: string): Promise<void> {
  const { rows: r } = await c.query(`SELECT count(*)::bigint AS n, coalesce(sum(id), 0)::numeric AS s FROM dst`);
  const expected = (BigInt(rows) * BigInt(rows + 1)) / 2n;
  if (Number(r[0].n) !== rows || r[0].s !== expected.toString()) throw new Error(`${what}: dst holds ${r[0].n} rows (sum ${r[0].s}), expected ${rows} (sum ${expected})`);
}

interface Measure {
  readonly variant: string;
  readonly rows: number;
  readonly ms: number;
  readonly note?: string;
  readonly peakRssMb?: number;
  readonly engineMs?: number;
}

async function insertSelect(c: pg.Client): Promise<Measure> {
  const t0 = performance.now();
  await c.query('INSERT INTO dst SELECT * FROM src');
  const ms = performance.now() - t0;
  await verify(c, ROWS, '(a)');
  return { variant: '(a) one INSERT … SELECT', rows: ROWS, ms };
}

async function airlock(c: pg.Client, url: string, rows: number, nodeFlags: readonly string[] = []): Promise<Measure & { rssSource?: string }> {
  const dir = await migrationDir({
    '0001_backfill.sql': `-- airlock:batch table=${sourceName(rows)} key=id size=${BATCH} pause=0\nINSERT INTO dst SELECT * FROM ${sourceName(rows)} WHERE id > :lo AND id <= :hi;\n`,
  });
  try {
    const r = await airlockMigrate(url, dir, [], { measureMemory: true, nodeFlags });
    await verify(c, rows, '(b)');
    const engineMs = Number((await c.query(`SELECT duration_ms FROM airlock.migrations WHERE version = '1'`)).rows[0].duration_ms);
    return {
      variant: `(b) airlock migrate, batch ${BATCH.toLocaleString('en')}${nodeFlags.length ? `, node ${nodeFlags.join(' ')}` : ''}`,
      rows,
      ms: r.ms,
      engineMs,
      ...(r.peakRssMb !== undefined && { peakRssMb: r.peakRssMb, rssSource: r.rssSource }),
    };
  } finally {
    await removeDir(dir);
  }
}

async function limitOffset(c: pg.Client): Promise<Measure & { firstChunkMs: number; lastChunkMs: number }> {
  const t0 = performance.now();
  let copied = 0;
  const chunks: number[] = [];
  const variant = `(c) LIMIT ${OFFSET_STEP.toLocaleString('en')} OFFSET loop`;
  for (let offset = 0; ; offset += OFFSET_STEP) {
    if (performance.now() - t0 > OFFSET_LIMIT_MS) {
      const note = `STOPPED at ${OFFSET_LIMIT_MS / 1000} s: ${copied.toLocaleString('en')} of ${ROWS.toLocaleString('en')} rows copied`;
      return { variant, rows: copied, ms: performance.now() - t0, note, firstChunkMs: chunks[0]!, lastChunkMs: chunks.at(-1)! };
    }
    const tc = performance.now();
    const r = await c.query(`INSERT INTO dst SELECT * FROM src ORDER BY id LIMIT ${OFFSET_STEP} OFFSET ${offset}`);
    chunks.push(performance.now() - tc);
    copied += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < OFFSET_STEP) break;
  }
  const ms = performance.now() - t0;
  await verify(c, ROWS, '(c)');
  // The last chunk is the short (empty) one that ends the loop; the last full chunk shows the OFFSET cost.
  return { variant, rows: copied, ms, firstChunkMs: chunks[0]!, lastChunkMs: chunks.at(-2) ?? chunks[0]! };
}

const rate = (rows: number, ms: number): number => rows / (ms / 1000);
const fmtRate = (r: number): string => `${Math.round(r).toLocaleString('en')} rows/s`;
const best = (xs: readonly number[]): number => Math.min(...xs);
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

async function main(): Promise<void> {
  const server = await benchServer(SETTINGS);
  console.log(`backfill: ${ROWS.toLocaleString('en')} rows into ${MONTHS} monthly partitions, ${REPS} repetitions; PostgreSQL ${server.version}${server.embedded ? ' (embedded, fsync on)' : ''}; ${machine()}`);
  console.log(`  airlock runs as: node bin/airlock.ts migrate --database-url <url> --dir <dir>; load average at start: ${load()}`);
  const url = await server.freshDatabase('bench_backfill');
  const c = await connect(url);
  try {
    const tp = performance.now();
    await prepare(c);
    console.log(`  prepared in ${fmtMs(performance.now() - tp)}`);
    const run = async <M extends Measure>(m: () => Promise<M>): Promise<M> => {
      await reset(c);
      const r = await m();
      console.log(`  ${r.variant} (${r.rows.toLocaleString('en')} rows): ${fmtMs(r.ms)}${r.engineMs ? ` (engine ${fmtMs(r.engineMs)})` : ''}${r.peakRssMb ? `, peak RSS ${r.peakRssMb.toFixed(0)} MB` : ''}${r.note ? ` — ${r.note}` : ''}`);
      return r;
    };
    // (a) and (b) alternate, REPS times each, so that load from other processes hits both alike.
    const a: Measure[] = [];
    const bySize = new Map<number, Measure[]>(SIZES.map((n) => [n, []]));
    for (let rep = 0; rep < REPS; rep++) {
      a.push(await run(() => insertSelect(c)));
      for (const n of [...SIZES].reverse()) bySize.get(n)!.push(await run(() => airlock(c, url, n)));
    }
    const cc = await run(() => limitOffset(c));
    // The CLI's peak RSS comes from V8 optimising the SQL parser's WebAssembly (see docs/benchmarks/engine.md);
    // the same copy under `node --liftoff-only` shows the footprint without that compilation.
    const liftoff = await run(() => airlock(c, url, SIZES[0]!, ['--liftoff-only']));
    console.log(`  load average at end: ${load()}`);

    const b = bySize.get(ROWS)!;
    const aBest = best(a.map((m) => m.ms));
    const aMed = median(a.map((m) => m.ms));
    const bBest = best(b.map((m) => m.ms));
    const bMed = median(b.map((m) => m.ms));
    const peak = Math.max(...[...bySize.values()].flat().map((m) => m.peakRssMb ?? Number.NaN));
    console.log('');
    printTable(
      ['variant', 'rows', 'best', 'median', 'rows/s (best)', 'vs (a), best', 'vs (a), median', 'peak RSS'],
      [
        ['(a) one INSERT … SELECT', ROWS.toLocaleString('en'), fmtMs(aBest), fmtMs(aMed), fmtRate(rate(ROWS, aBest)), '1.00x', '1.00x', ''],
        [b[0]!.variant, ROWS.toLocaleString('en'), fmtMs(bBest), fmtMs(bMed), fmtRate(rate(ROWS, bBest)), `${(aBest / bBest).toFixed(2)}x`, `${(aMed / bMed).toFixed(2)}x`, `${peak.toFixed(0)} MB`],
        [cc.variant, cc.rows.toLocaleString('en'), fmtMs(cc.ms), '(1 run)', fmtRate(rate(cc.rows, cc.ms)), `${(rate(cc.rows, cc.ms) / rate(ROWS, aBest)).toFixed(2)}x`, '', ''],
      ],
    );
    const bEngineBest = best(b.map((m) => m.engineMs!));
    const bEngineMed = median(b.map((m) => m.engineMs!));
    console.log(`(b) inside the engine (ledger duration_ms, without process start-up): best ${fmtMs(bEngineBest)}, median ${fmtMs(bEngineMed)}; vs (a): ${(aBest / bEngineBest).toFixed(2)}x best, ${(aMed / bEngineMed).toFixed(2)}x median`);
    console.log(`(c) first 100k chunk ${fmtMs(cc.firstChunkMs)}, last full chunk ${fmtMs(cc.lastChunkMs)} (OFFSET re-reads every row before it)${cc.note ? `; ${cc.note}` : ''}`);

    console.log('\nAirlock batch directive by size (linear cost = constant rows/s):');
    const sizeRows = SIZES.map((n) => {
      const ms = bySize.get(n)!;
      return { n, best: best(ms.map((m) => m.ms)), engine: best(ms.map((m) => m.engineMs!)), engineMed: median(ms.map((m) => m.engineMs!)), rss: Math.max(...ms.map((m) => m.peakRssMb ?? Number.NaN)) };
    });
    printTable(
      ['node', 'rows', 'best', 'rows/s', 'engine best', 'engine rows/s (best)', 'engine rows/s (median)', 'peak RSS'],
      [
        ...sizeRows.map((r) => [
          'node',
          r.n.toLocaleString('en'),
          fmtMs(r.best),
          fmtRate(rate(r.n, r.best)),
          fmtMs(r.engine),
          fmtRate(rate(r.n, r.engine)),
          fmtRate(rate(r.n, r.engineMed)),
          `${r.rss.toFixed(0)} MB`,
        ]),
        ['node --liftoff-only', liftoff.rows.toLocaleString('en'), fmtMs(liftoff.ms), fmtRate(rate(liftoff.rows, liftoff.ms)), fmtMs(liftoff.engineMs!), fmtRate(rate(liftoff.rows, liftoff.engineMs!)), '(1 run)', `${liftoff.peakRssMb?.toFixed(0) ?? '?'} MB`],
      ],
    );
    const rss = liftoff.rssSource;
    if (rss) console.log(`peak RSS from ${rss}`);

    const rates = sizeRows.map((r) => rate(r.n, r.engine));
    const spread = Math.min(...rates) / Math.max(...rates);
    const vsC = rate(ROWS, bBest) / rate(cc.rows, cc.ms);
    console.log('\ntargets:');
    console.log(`  airlock ≥ 0.8x the speed of (a): best-of-${REPS} ${aBest / bBest >= 0.8 ? 'MET' : 'MISSED'} (${(aBest / bBest).toFixed(2)}x), median ${aMed / bMed >= 0.8 ? 'MET' : 'MISSED'} (${(aMed / bMed).toFixed(2)}x); wall clock of the child process`);
    console.log(`  airlock ≥ 4x faster than (c): ${vsC >= 4 ? 'MET' : 'MISSED'} (${vsC.toFixed(2)}x${cc.note ? `; (c) did not finish, rows/s so far` : ''}); (a) itself is ${(rate(ROWS, aBest) / rate(cc.rows, cc.ms)).toFixed(2)}x faster than (c)`);
    console.log(`  linear (engine rows/s, best of ${REPS}, within 20% across sizes): ${spread >= 0.8 ? 'MET' : 'MISSED'} (slowest/fastest ${spread.toFixed(2)})`);
    console.log(`  peak RSS < 200 MB: ${Number.isNaN(peak) ? 'NOT MEASURED' : peak < 200 ? 'MET' : 'MISSED'} (${peak.toFixed(0)} MB as \`node bin/airlock.ts\`; ${liftoff.peakRssMb?.toFixed(0) ?? '?'} MB under node --liftoff-only)`);
  } finally {
    await c.end().catch(() => {});
    await server.stop();
  }
}

await main();
