import pg from 'pg';
import { ConnectionError, redact } from '../errors.ts';
import type { Connector } from '../ports.ts';

/** Connects with a `postgres://` URL, tagging each session so `pg_stat_activity` shows who it is. */
export function urlConnector(url: string, applicationName = 'airlock'): Connector {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionError(`the database URL is not a valid URL (${redact(url)}); use postgres://user:password@host:5432/database.`);
  }
  const where = `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  return {
    describe: () => where,
    async connect() {
      const client = new pg.Client({ connectionString: url, application_name: applicationName });
      // A terminated backend emits 'error' on an idle client; the next query reports it instead of crashing the process.
      client.on('error', () => {});
      try {
        await client.connect();
      } catch (error) {
        throw new ConnectionError(`cannot connect to ${where}: ${redact((error as Error).message)}`, { cause: error });
      }
      return client;
    },
  };
}
