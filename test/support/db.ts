import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';

/** URL of the same server with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs `fn` on a connection of its own to the shared server's own database, then closes it. */
export async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: inject('databaseUrl') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A new connection to `database` on the shared server, for the caller to close. */
export async function connectTo(database: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: withDatabase(inject('databaseUrl'), database) });
  c.on('error', () => {}); // a database dropped WITH (FORCE) ends its sessions
  await c.connect();
  return c;
}

export interface TestDatabase {
  /** URL of this file's own, freshly created database. */
  url: string;
  name: string;
  /** A connected client; closed after the file. */
  client: pg.Client;
  /** Runs SQL on the shared client. */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** A fresh connection, closed after the file. */
  connect(): Promise<pg.Client>;
  /** Drops and recreates this file's database. */
  reset(): Promise<void>;
}

/**
 * Gives the calling test file a database of its own on the shared server,
 * created before the first test and dropped after the last.
 */
export function useTestDatabase(): TestDatabase {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const url = withDatabase(inject('databaseUrl'), name);
  const opened: pg.Client[] = [];
  const db: TestDatabase = {
    url,
    name,
    client: undefined as unknown as pg.Client,
    sql: (text, values) => db.client.query(text, values),
    async connect() {
      const c = await connectTo(name);
      opened.push(c);
      return c;
    },
    async reset() {
      await closeAll();
      await admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${name}`);
      });
      db.client = await db.connect();
    },
  };
  async function closeAll(): Promise<void> {
    await Promise.all(opened.splice(0).map((c) => c.end().catch(() => {})));
  }
  beforeAll(async () => {
    await admin((c) => c.query(`CREATE DATABASE ${name}`).then(() => {}));
    db.client = await db.connect();
  });
  afterAll(async () => {
    await closeAll();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => {}));
  });
  return db;
}
