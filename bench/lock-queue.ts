/**
 * Lock-queue benchmark: what clients feel while a migration waits for its lock.
 *
 * A 1M-row table; a reader's transaction holds ACCESS SHARE on it for 6 s while 4 clients write
 * (single-row INSERT/UPDATE loops, each write timed). The same four migrations (ADD COLUMN,
 * CREATE INDEX CONCURRENTLY, ADD CHECK … NOT VALID, VALIDATE) are applied once with plain
 * `psql -f`, file by file (no lock_timeout: the ADD COLUMN queues behind the reader and every
 * writer queues behind it), and once with `airlock migrate` (500 ms lock_timeout, jittered retries).
 *
 *   node bench/lock-queue.ts            (env: BENCH_DATABASE_URL, BENCH_ROWS, BENCH_HOLD_S)
 */
import { join } from 'node:path';
import { airlockMigrate, benchServer, connect, fmtMs, machine, migrationDir, printTable, psqlPath, quantile, removeDir, runChild } from './support.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const HOLD_S = Number(process.env.BENCH_HOLD_S ?? 6);
const WRITERS = 4;
/** Each writer stops by itself after this many writes or this long, whichever comes first. */
const MAX_WRITES_PER_WRITER = 500_000;
const MAX_WRITER_MS = 120_000;
/** Writes before the reader starts and after the migration ends, so both sides measure the same shape of window. */
const SETTLE_MS = 1000;

const MIGRATIONS: Record<string, string> = {
  '0001_add_column.sql': 'ALTER TABLE t ADD COLUMN note text;\n',
  '0002_index.sql': 'CREATE INDEX CONCURRENTLY t_v_idx ON t (v);\n',
  '0003_check.sql': 'ALTER TABLE t ADD CONSTRAINT t_v_nonnegative CHECK (v >= 0) NOT VALID;\n',
  '0004_validate.sql': 'ALTER TABLE t VALIDATE CONSTRAINT t_v_nonnegative;\n',
};

interface SideResult {
  readonly side: string;
  readonly applyMs: number;
  readonly latencies: number[];
  readonly windowMs: number;
  /** When the worst write started, relative to the migration's start (ms). */
  readonly worstAtMs: number;
  /** Lock-timeout retries the migration reported (Airlock only). */
  readonly retries?: number;
}

async function prepare(url: string): Promise<void> {
  const c = await connect(url);
  try {
    await c.query(`CREATE TABLE t (id bigserial PRIMARY KEY, v int NOT NULL, payload text NOT NULL)`);
    await c.query(`INSERT INTO t (v, payload) SELECT g % 1000, md5(g::text) FROM generate_series(1, $1::int) g`, [ROWS]);
    await c.query('VACUUM ANALYZE t');
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

/** One writer: alternates a single-row INSERT and a single-row UPDATE, timing each with the monotonic clock. */
async function writer(url: string, stop: { now: boolean }, latencies: number[], starts: number[]): Promise<void> {
  const c = await connect(url, 'bench-writer');
  const began = performance.now();
  try {
    for (let i = 0; i < MAX_WRITES_PER_WRITER && !stop.now && performance.now() - began < MAX_WRITER_MS; i++) {
      const t0 = performance.now();
      if (i % 2 === 0) await c.query('INSERT INTO t (v, payload) VALUES ($1, $2)', [i % 1000, 'w']);
      else await c.query('UPDATE t SET v = v + 1 WHERE id = $1', [1 + Math.floor(Math.random() * ROWS)]);
      latencies.push(performance.now() - t0);
      starts.push(t0);
    }
  } finally {
    await c.end();
  }
}

/** Opens the reader's transaction, reads the table, then holds it HOLD_S seconds; resolves once the read is done. */
async function startReader(url: string): Promise<{ done: Promise<void> }> {
  const r = await connect(url, 'bench-reader');
  await r.query('BEGIN');
  await r.query('SELECT count(*) FROM t');
  const done = (async () => {
    await r.query(`SELECT pg_sleep(${HOLD_S})`);
    await r.query('COMMIT');
    await r.end();
  })();
  return { done };
}

async function runSide(side: string, url: string, migrate: () => Promise<number | void>): Promise<SideResult> {
  await prepare(url);
  const stop = { now: false };
  const latencies: number[] = [];
  const starts: number[] = [];
  const windowStart = performance.now();
  const writers = Array.from({ length: WRITERS }, () => writer(url, stop, latencies, starts));
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const reader = await startReader(url);
  const t0 = performance.now();
  const retries = await migrate();
  const applyMs = performance.now() - t0;
  await reader.done;
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  stop.now = true;
  await Promise.all(writers);
  const windowMs = performance.now() - windowStart;
  let worst = 0;
  latencies.forEach((l, i) => {
    if (l > latencies[worst]!) worst = i;
  });
  await checkApplied(url, side);
  return { side, applyMs, latencies, windowMs, worstAtMs: starts[worst]! - t0, ...(typeof retries === 'number' && { retries }) };
}

/** Both sides must end with the same schema, or the comparison means nothing. */
async function checkApplied(url: string, side: string): Promise<void> {
  const c = await connect(url);
  try {
    const { rows } = await c.query(`SELECT
      EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note' AND NOT attisdropped) AS col,
      EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 't_v_idx' AND i.indisvalid) AS idx,
      EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_v_nonnegative' AND convalidated) AS chk`);
    const r = rows[0];
    if (!r.col || !r.idx || !r.chk) throw new Error(`${side}: migrations not all applied (${JSON.stringify(r)})`);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const psql = psqlPath();
  const server = await benchServer({ max_connections: '100', shared_buffers: '256MB' });
  const results: SideResult[] = [];
  const dir = await migrationDir(MIGRATIONS);
  const files = Object.keys(MIGRATIONS).sort();
  console.log(`lock-queue: ${ROWS.toLocaleString('en')} rows, reader holds ${HOLD_S} s, ${WRITERS} writers; PostgreSQL ${server.version}${server.embedded ? ' (embedded)' : ''}; ${machine()}`);
  try {
    if (psql) {
      const url = await server.freshDatabase('bench_lock_psql');
      console.log(`psql side: ${psql} -X -q -v ON_ERROR_STOP=1 -f <file>, file by file …`);
      results.push(
        await runSide('plain psql -f', url, async () => {
          for (const f of files) {
            const r = await runChild(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', join(dir, f)]);
            if (r.code !== 0) throw new Error(`psql -f ${f} exited with ${r.code}: ${r.stderr}`);
          }
        }),
      );
    } else {
      console.log('psql side SKIPPED: no psql client found (looked for /usr/bin/psql, /usr/local/bin/psql and $PATH).');
    }
    const url = await server.freshDatabase('bench_lock_airlock');
    console.log('airlock side: node bin/airlock.ts migrate --database-url <url> --dir <dir> (default lock_timeout 500ms) …');
    results.push(
      await runSide('airlock migrate', url, async () => {
        const r = await airlockMigrate(url, dir);
        return (r.stdout + r.stderr).split('\n').filter((l) => /lock not available .*retry \d+/.test(l)).length;
      }),
    );
  } finally {
    await removeDir(dir);
    await server.stop();
  }
  console.log('');
  printTable(
    ['side', 'worst write stall', 'p99', 'p999', 'writes ≥ 100 ms', 'writes', 'window', 'time to apply', 'worst write began'],
    results.map((r) => {
      const sorted = [...r.latencies].sort((a, b) => a - b);
      return [
        r.side,
        fmtMs(sorted.at(-1) ?? Number.NaN),
        fmtMs(quantile(sorted, 0.99)),
        fmtMs(quantile(sorted, 0.999)),
        String(sorted.filter((l) => l >= 100).length),
        sorted.length.toLocaleString('en'),
        fmtMs(r.windowMs),
        fmtMs(r.applyMs),
        `${fmtMs(r.worstAtMs)} after apply start`,
      ];
    }),
  );
  const airlock = results.find((r) => r.side === 'airlock migrate');
  if (airlock) {
    const worst = airlock.latencies.reduce((a, b) => Math.max(a, b), 0);
    console.log(`\nairlock retried after lock_timeout ${airlock.retries ?? '?'} time(s)`);
    console.log(`target: worst write stall under Airlock < 1 s: ${worst < 1000 ? 'MET' : 'MISSED'} (${fmtMs(worst)})`);
  }
}

await main();
