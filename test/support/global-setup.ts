import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgresVersion, type EmbeddedServer } from '../../lambdas/local/embedded-postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** The lane's server, queried: `server_version_num`, e.g. 130023. */
    serverVersionNum: number;
  }
}

/** The server lanes, by vitest project name (vitest.config.ts). */
const lanes: Record<string, { version: EmbeddedPostgresVersion; env: string; strict: boolean }> = {
  pg17: { version: 17, env: 'TEST_DATABASE_URL', strict: false },
  pg13: { version: 13, env: 'TEST_DATABASE_URL_PG13', strict: true },
  pg18: { version: 18, env: 'TEST_DATABASE_URL_PG18', strict: true },
};

/**
 * One PostgreSQL per lane for the whole run: the lane's variable when set (TEST_DATABASE_URL for
 * the default lane, which may be any version), otherwise an embedded server of the lane's version.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const lane = lanes[project.name];
  if (!lane) throw new Error(`no PostgreSQL lane for the vitest project '${project.name}'`);
  const external = process.env[lane.env];
  let server: EmbeddedServer | undefined;
  // reserved_connections (16+) set, so that the connections check is seen to count it.
  const settings = { max_connections: '300', ...(lane.version >= 16 && { reserved_connections: '3' }) };
  const url = external || (server = await startEmbeddedPostgres({ version: lane.version, settings })).url;
  try {
    const versionNum = await serverVersionNum(url);
    if (lane.strict && Math.floor(versionNum / 10000) !== lane.version) {
      throw new Error(`${lane.env} points at PostgreSQL ${Math.floor(versionNum / 10000)} (server_version_num ${versionNum}); the ${project.name} lane needs a PostgreSQL ${lane.version} server`);
    }
    project.provide('databaseUrl', url);
    project.provide('serverVersionNum', versionNum);
  } catch (error) {
    await server?.stop();
    throw error;
  }
  return async () => {
    await server?.stop();
  };
}

async function serverVersionNum(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT current_setting('server_version_num')::int AS v`);
    return rows[0].v;
  } finally {
    await client.end();
  }
}
