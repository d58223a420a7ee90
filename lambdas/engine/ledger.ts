import { escapeLiteral } from 'pg';
import type pg from 'pg';
import { compareVersions } from './migrations/load.ts';

/**
 * The ledger: what Airlock has applied, in schema `airlock`. It is versioned itself; each entry
 * of {@link LEDGER_UPGRADES} runs once, in order, recorded in `airlock.ledger_version`.
 */
export const LEDGER_SCHEMA = 'airlock';

const LEDGER_UPGRADES: readonly string[] = [
  `CREATE TABLE airlock.migrations (
     version     text PRIMARY KEY,
     name        text NOT NULL,
     checksum    text NOT NULL,
     applied_at  timestamptz NOT NULL DEFAULT now(),
     duration_ms integer NOT NULL,
     run_id      text NOT NULL
   );
   CREATE TABLE airlock.progress (
     version         text NOT NULL,
     direction       text NOT NULL CHECK (direction IN ('up', 'down')),
     statement_index integer NOT NULL,
     checksum        text NOT NULL,
     started         boolean NOT NULL DEFAULT true,
     done            boolean NOT NULL DEFAULT false,
     cursor          text,
     rows_done       bigint NOT NULL DEFAULT 0,
     run_id          text NOT NULL,
     updated_at      timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (version, direction, statement_index)
   );
   CREATE TABLE airlock.runs (
     run_id      text PRIMARY KEY,
     command     text NOT NULL,
     started_at  timestamptz NOT NULL DEFAULT now(),
     finished_at timestamptz,
     status      text NOT NULL,
     options     jsonb NOT NULL DEFAULT '{}',
     error       text
   );
   CREATE TABLE airlock.history (
     id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     version     text NOT NULL,
     name        text NOT NULL,
     direction   text NOT NULL,
     checksum    text NOT NULL,
     run_id      text NOT NULL,
     at          timestamptz NOT NULL DEFAULT now(),
     duration_ms integer NOT NULL
   );`,
];

export interface AppliedMigration {
  readonly version: string;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: Date;
  readonly durationMs: number;
  readonly runId: string;
}

export interface Progress {
  readonly statementIndex: number;
  readonly checksum: string;
  readonly started: boolean;
  readonly done: boolean;
  readonly cursor: string | null;
  readonly rowsDone: number;
}

export type Direction = 'up' | 'down';

/** Creates or upgrades the ledger. Call only while holding the run lock. */
export async function ensureLedger(client: pg.Client): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${LEDGER_SCHEMA}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.ledger_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${LEDGER_SCHEMA}.ledger_version`);
  const current = rows[0]?.v ?? 0;
  for (let v = current + 1; v <= LEDGER_UPGRADES.length; v++) {
    await client.query('BEGIN');
    try {
      await client.query(LEDGER_UPGRADES[v - 1]!);
      await client.query(`INSERT INTO ${LEDGER_SCHEMA}.ledger_version (version) VALUES ($1)`, [v]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }
}

export async function ledgerExists(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query(`SELECT to_regclass('${LEDGER_SCHEMA}.migrations') IS NOT NULL AS present`);
  return rows[0].present === true;
}

/** Applied migrations, ascending by version; empty when the ledger does not exist yet. */
export async function readApplied(client: pg.Client): Promise<AppliedMigration[]> {
  if (!(await ledgerExists(client))) return [];
  const { rows } = await client.query(
    `SELECT version, name, checksum, applied_at, duration_ms, run_id FROM ${LEDGER_SCHEMA}.migrations`,
  );
  return rows
    .map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedAt: r.applied_at, durationMs: r.duration_ms, runId: r.run_id }))
    .sort((a, b) => compareVersions(a.version, b.version));
}

export async function recordApplied(
  client: pg.Client,
  m: { version: string; name: string; checksum: string; durationMs: number; runId: string },
): Promise<void> {
  await client.query(
    `INSERT INTO ${LEDGER_SCHEMA}.migrations (version, name, checksum, duration_ms, run_id) VALUES ($1, $2, $3, $4, $5)`,
    [m.version, m.name, m.checksum, Math.round(m.durationMs), m.runId],
  );
  await recordHistory(client, { ...m, direction: 'up' });
}

export async function removeApplied(
  client: pg.Client,
  m: { version: string; name: string; checksum: string; durationMs: number; runId: string },
): Promise<void> {
  await client.query(`DELETE FROM ${LEDGER_SCHEMA}.migrations WHERE version = $1`, [m.version]);
  await recordHistory(client, { ...m, direction: 'down' });
}

async function recordHistory(
  client: pg.Client,
  m: { version: string; name: string; checksum: string; durationMs: number; runId: string; direction: Direction },
): Promise<void> {
  await client.query(
    `INSERT INTO ${LEDGER_SCHEMA}.history (version, name, direction, checksum, run_id, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)`,
    [m.version, m.name, m.direction, m.checksum, m.runId, Math.round(m.durationMs)],
  );
}

/** Per-statement progress of an autocommit migration (or a batch cursor), keyed by statement index. */
export async function readProgress(client: pg.Client, version: string, direction: Direction): Promise<Map<number, Progress>> {
  const { rows } = await client.query(
    `SELECT statement_index, checksum, started, done, cursor, rows_done FROM ${LEDGER_SCHEMA}.progress WHERE version = $1 AND direction = $2`,
    [version, direction],
  );
  return new Map(
    rows.map((r) => [
      r.statement_index,
      { statementIndex: r.statement_index, checksum: r.checksum, started: r.started, done: r.done, cursor: r.cursor, rowsDone: Number(r.rows_done) },
    ]),
  );
}

export interface ProgressUpdate {
  version: string;
  direction: Direction;
  statementIndex: number;
  checksum: string;
  runId: string;
  done: boolean;
  cursor?: string | null;
  rowsDone?: number;
}

const progressUpsert = (values: readonly string[]): string =>
  `INSERT INTO ${LEDGER_SCHEMA}.progress (version, direction, statement_index, checksum, run_id, done, cursor, rows_done)
     VALUES (${values.join(', ')})
     ON CONFLICT (version, direction, statement_index)
     DO UPDATE SET done = EXCLUDED.done, cursor = EXCLUDED.cursor, rows_done = EXCLUDED.rows_done, run_id = EXCLUDED.run_id, updated_at = now()`;

const progressValues = (p: ProgressUpdate) => [p.version, p.direction, p.statementIndex, p.checksum, p.runId, p.done, p.cursor ?? null, p.rowsDone ?? 0] as const;

export async function writeProgress(client: pg.Client, p: ProgressUpdate): Promise<void> {
  await client.query(progressUpsert(['$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8']), [...progressValues(p)]);
}

/**
 * The same write as SQL text with its values inlined, for sending with other statements in one
 * round trip (the simple protocol takes no parameters).
 */
export function progressSql(p: ProgressUpdate): string {
  return progressUpsert(progressValues(p).map((v) => (v === null ? 'NULL' : typeof v === 'string' ? escapeLiteral(v) : String(v))));
}

export async function clearProgress(client: pg.Client, version: string, direction: Direction): Promise<void> {
  await client.query(`DELETE FROM ${LEDGER_SCHEMA}.progress WHERE version = $1 AND direction = $2`, [version, direction]);
}

export async function startRun(client: pg.Client, run: { runId: string; command: string; options: Record<string, unknown> }): Promise<void> {
  await client.query(
    `INSERT INTO ${LEDGER_SCHEMA}.runs (run_id, command, status, options) VALUES ($1, $2, 'running', $3)
     ON CONFLICT (run_id) DO UPDATE SET status = 'running', finished_at = NULL, error = NULL,
       options = ${LEDGER_SCHEMA}.runs.options || EXCLUDED.options`,
    [run.runId, run.command, JSON.stringify(run.options)],
  );
}

export async function finishRun(client: pg.Client, runId: string, status: 'succeeded' | 'failed' | 'paused', error?: string): Promise<void> {
  await client.query(`UPDATE ${LEDGER_SCHEMA}.runs SET status = $2, finished_at = now(), error = $3 WHERE run_id = $1`, [runId, status, error ?? null]);
}
