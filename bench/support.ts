import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from '../lambdas/local/embedded-postgres.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchServer {
  /** URL of the server's `postgres` database. */
  readonly url: string;
  readonly version: string;
  readonly embedded: boolean;
  /** Creates (or recreates) a database and returns its URL. */
  freshDatabase(name: string): Promise<string>;
  /** Drops a database made by {@link freshDatabase}, ending its sessions. */
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** BENCH_DATABASE_URL when set, otherwise an embedded PostgreSQL started with `settings`. */
export async function benchServer(settings: Record<string, string> = {}): Promise<BenchServer> {
  const external = process.env.BENCH_DATABASE_URL;
  let embedded: EmbeddedServer | undefined;
  const url = external ?? (embedded = await startEmbeddedPostgres({ settings })).url;
  const admin = await connect(url);
  const version = (await admin.query('SHOW server_version')).rows[0].server_version as string;
  return {
    url,
    version,
    embedded: embedded !== undefined,
    async freshDatabase(name) {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async dropDatabase(name) {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    },
    async stop() {
      await admin.end().catch(() => {});
      await embedded?.stop();
    },
  };
}

export async function connect(url: string, applicationName = 'airlock-bench'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Writes migration files into a fresh temporary directory. */
export async function migrationDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/** The median of `xs` (any order): the middle value, or the mean of the two middle ones. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The value at quantile q (0..1) of an ascending array: nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface ChildResult {
  readonly code: number | null;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set size of the child in MB (from /usr/bin/time -v, or sampled VmHWM), when known. */
  readonly peakRssMb?: number;
  readonly rssSource?: string;
}

const TIME = '/usr/bin/time';

/**
 * Runs a command as a child process, timing it; with `measureMemory`, also its peak RSS: through
 * `/usr/bin/time -f %M` when installed (exact), else by sampling /proc/<pid>/status VmHWM.
 */
export async function runChild(command: string, args: readonly string[], options: { measureMemory?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  const useTime = options.measureMemory === true && existsSync(TIME);
  const rssFile = useTime ? join(await mkdtemp(join(tmpdir(), 'airlock-bench-rss-')), 'rss') : undefined;
  const [cmd, argv] = useTime ? [TIME, ['-f', '%M', '-o', rssFile!, command, ...args]] : [command, [...args]];
  const started = performance.now();
  const child = spawn(cmd, argv, { cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let sampledKb = 0;
  const sampler =
    options.measureMemory && !useTime
      ? setInterval(() => {
          readFile(`/proc/${child.pid}/status`, 'utf8')
            .then((s) => {
              const kb = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
              if (kb > sampledKb) sampledKb = kb;
            })
            .catch(() => {});
        }, 50)
      : undefined;
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c) => res(c));
  });
  const ms = performance.now() - started;
  if (sampler) clearInterval(sampler);
  let peakRssMb: number | undefined;
  let rssSource: string | undefined;
  if (rssFile) {
    const kb = Number((await readFile(rssFile, 'utf8').catch(() => '')).trim().split('\n').pop());
    if (Number.isFinite(kb) && kb > 0) [peakRssMb, rssSource] = [kb / 1024, '/usr/bin/time -f %M (max RSS)'];
    await removeDir(dirname(rssFile));
  } else if (sampledKb > 0) {
    [peakRssMb, rssSource] = [sampledKb / 1024, '/proc/<pid>/status VmHWM, sampled every 50 ms'];
  }
  return { code, ms, stdout, stderr, ...(peakRssMb !== undefined && { peakRssMb, rssSource }) };
}

/** The Node 24 running this script; the CLI child runs under the same binary. */
export const NODE = process.execPath;

/** `node [nodeFlags] bin/airlock.ts migrate --database-url URL --dir DIR …` as a child process. */
export async function airlockMigrate(
  url: string,
  dir: string,
  extra: readonly string[] = [],
  options: { measureMemory?: boolean; nodeFlags?: readonly string[] } = {},
): Promise<ChildResult> {
  const result = await runChild(NODE, [...(options.nodeFlags ?? []), 'bin/airlock.ts', 'migrate', '--database-url', url, '--dir', dir, ...extra], options);
  if (result.code !== 0) throw new Error(`airlock migrate exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

export function psqlPath(): string | undefined {
  for (const p of ['/usr/bin/psql', '/usr/local/bin/psql']) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** CPUs, total memory and Node version of this machine, for a benchmark's header. */
export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}`;
}

export const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

/** Prints rows as an aligned plain-text table. */
export function printTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
