import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { scriptFromText, type MigrationScript } from '../../lambdas/engine/migrations/load.ts';
import { loadParser } from '../../lambdas/engine/sql/parse.ts';
import { admin, connectTo } from '../support/db.ts';
import { corpusDir, corpusPath, readManifest, type CorpusEntry } from '../support/lint-corpus.ts';

// Proves the corpus is real SQL: each file runs against the schema it assumes (schema.sql) on a real
// PostgreSQL. Files Airlock would run in a transaction run in one that is rolled back; files it
// runs in autocommit (CONCURRENTLY, VACUUM, no-transaction, batches, or written BEGIN/COMMIT) run
// statement by statement on a fresh copy of the schema database.

const suffix = randomBytes(5).toString('hex');
const templateDb = `lc_tpl_${suffix}`;
const sharedDb = `lc_tx_${suffix}`;
let shared: pg.Client;
const created: string[] = [];

async function cloneSchema(name: string): Promise<void> {
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${templateDb}`));
  created.push(name);
}

function load(entry: CorpusEntry): MigrationScript {
  // Problems (such as written BEGIN/COMMIT) are the linter's business; here only the statements matter.
  const script = scriptFromText(entry.file, 'up', readFileSync(corpusPath(entry), 'utf8'), '', []);
  if (!script) throw new Error(`${entry.file} does not parse`);
  return script;
}

/** Runs the statements one by one, binding a batch's :lo/:hi to a first keyset window. */
async function runStatements(client: pg.Client, script: MigrationScript): Promise<void> {
  for (const s of script.statements) await client.query(s.executable, s.batched ? [0, 1000] : undefined);
}

async function apply(entry: CorpusEntry): Promise<void> {
  const script = load(entry);
  const ownSession = script.autocommit || script.statements.some((s) => s.kind === 'TransactionStmt');
  if (!ownSession) {
    await shared.query('BEGIN');
    try {
      await runStatements(shared, script);
    } finally {
      await shared.query('ROLLBACK');
    }
    return;
  }
  const name = `lc_${randomBytes(5).toString('hex')}`;
  await cloneSchema(name);
  const client = await connectTo(name);
  try {
    await runStatements(client, script);
  } finally {
    await client.end();
    await admin((c) => c.query(`DROP DATABASE ${name} WITH (FORCE)`));
  }
}

async function sqlState(run: Promise<void>): Promise<string | undefined> {
  try {
    await run;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

beforeAll(async () => {
  await loadParser();
  await admin((c) => c.query(`CREATE DATABASE ${templateDb}`));
  created.push(templateDb);
  const setup = await connectTo(templateDb);
  try {
    await setup.query(readFileSync(join(corpusDir, 'schema.sql'), 'utf8'));
  } finally {
    await setup.end();
  }
  await cloneSchema(sharedDb);
  shared = await connectTo(sharedDb);
});

afterAll(async () => {
  await shared?.end();
  await admin(async (c) => {
    for (const name of created.reverse()) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
});

describe('the lint corpus on a real PostgreSQL', () => {
  it('runs on PostgreSQL 17 or later', () => {
    expect(inject('serverVersionNum')).toBeGreaterThanOrEqual(170000);
  });

  const entries = readManifest();
  for (const entry of entries.filter((e) => !e.pgError)) {
    it(`applies ${entry.file} without error`, async () => {
      expect(await sqlState(apply(entry))).toBeUndefined();
    });
  }
  for (const entry of entries.filter((e) => e.pgError)) {
    it(`fails ${entry.file} with SQLSTATE ${entry.pgError}, as the file intends`, async () => {
      expect(await sqlState(apply(entry))).toBe(entry.pgError);
    });
  }
});

// Facts behind two holdout verdicts that a linter could easily get wrong: an inline CHECK on ADD
// COLUMN scans the table (unsafe/77), and VACUUM (FULL false) rewrites nothing (safe/67).
describe('PostgreSQL behaviour the corpus verdicts rest on', () => {
  it('checks every existing row when ADD COLUMN carries an inline CHECK (unsafe/77)', async () => {
    await shared.query('BEGIN');
    try {
      await shared.query("INSERT INTO orders (status) VALUES ('paid')");
      const state = await sqlState(
        shared.query('ALTER TABLE orders ADD COLUMN priority smallint NOT NULL DEFAULT 10 CHECK (priority BETWEEN 0 AND 9)').then(() => {}),
      );
      expect(state).toBe('23514');
    } finally {
      await shared.query('ROLLBACK');
    }
  });

  it('rewrites the table for VACUUM (FULL) but not for VACUUM (FULL false) (safe/67)', async () => {
    const fileNode = async () => (await shared.query<{ n: string }>("SELECT pg_relation_filenode('orders')::text AS n")).rows[0]!.n;
    const before = await fileNode();
    await shared.query('VACUUM (FULL false, ANALYZE) orders');
    expect(await fileNode()).toBe(before);
    await shared.query('VACUUM (FULL true) orders');
    expect(await fileNode()).not.toBe(before);
  });
});
