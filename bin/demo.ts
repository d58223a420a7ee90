#!/usr/bin/env node
/**
 * `npm start`: the engine on examples/alarms against a real PostgreSQL: an embedded server
 * started here, or DATABASE_URL when set (its database must be disposable: the demo resets it).
 */
import { fileURLToPath } from 'node:url';
import { urlConnector } from '../lambdas/local/url-connector.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../lambdas/local/embedded-postgres.ts';
import { redact } from '../lambdas/errors.ts';
import { fingerprintJson, takeFingerprint } from '../lambdas/engine/fingerprint.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCommand } from './commands/check.ts';
import { downCommand } from './commands/down.ts';
import { fingerprintCommand } from './commands/fingerprint.ts';
import { lintCommand } from './commands/lint.ts';
import { migrateCommand } from './commands/migrate.ts';
import { statusCommand } from './commands/status.ts';
import { verifyCommand } from './commands/verify.ts';

const dir = fileURLToPath(new URL('../examples/alarms', import.meta.url));
const out = process.stdout;
const step = (title: string): void => void out.write(`\n\x1b[1m== ${title}\x1b[0m\n`);

async function main(): Promise<void> {
  let server: EmbeddedServer | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    step('Starting an embedded PostgreSQL (no AWS account, no Docker needed)');
    server = await startEmbeddedPostgres();
    databaseUrl = server.url;
  }
  const started = Date.now();
  const scratch = await mkdtemp(join(tmpdir(), 'airlock-demo-'));
  try {
    // Its clients ignore a connection ended with the server when a step fails: that failure is what gets reported.
    const connector = urlConnector(databaseUrl);
    const db = await connector.connect();
    const { rows } = await db.query('SHOW server_version');
    out.write(`PostgreSQL ${rows[0].server_version}\n`);

    step('Lint: what each migration would lock, rewrite or break (PostgreSQL\'s own parser)');
    await lintCommand([dir]);

    step(`What is pending in ${dir}`);
    await statusCommand({ databaseUrl, dir });

    step('First migration, then 200,000 rows of "production" data arrive');
    await migrateCommand({ databaseUrl, dir, to: '1' });
    await db.query(`INSERT INTO alarms_alarm ("timestamp", severity, message)
                    SELECT now() - g * interval '1 minute', (ARRAY['low','high','critical'])[1 + g % 3], 'alarm ' || g
                      FROM generate_series(1, 200000) g`);
    await db.query('ANALYZE alarms_alarm');

    step('Preflight health checks');
    await checkCommand({ databaseUrl, dir });

    step('Dry run: what each statement would lock, and whether it rewrites or scans');
    await migrateCommand({ databaseUrl, dir, dryRun: true });

    step('Fingerprint of the database before the changes (schema objects and row counts)');
    const before = join(scratch, 'before.json');
    const fingerprint = await takeFingerprint(db);
    await writeFile(before, fingerprintJson(fingerprint));
    out.write(`${Object.keys(fingerprint.objects).length} schema objects and ${Object.keys(fingerprint.tables).length} tables, saved to ${before}\n`);

    step('While a client holds a lock on the table for 1.5 s, apply the rest');
    const holder = await connector.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE alarms_alarm IN ACCESS SHARE MODE');
    const release = setTimeout(() => void holder.query('COMMIT').then(() => holder.end()).catch(() => {}), 1500);
    await migrateCommand({ databaseUrl, dir, lockTimeout: 200, timeBudget: 60_000 });
    clearTimeout(release);
    await holder.end().catch(() => {});

    step('Verification: the built-in checks and each migration\'s .verify.sql');
    await verifyCommand({ databaseUrl, dir });

    step('Status afterwards');
    await statusCommand({ databaseUrl, dir });

    step('Reverse migrations 6 to 2 with their down scripts; the fingerprint proves the "before" state is back');
    await downCommand({ databaseUrl, dir, to: '1' });
    await fingerprintCommand({ databaseUrl, compare: before });

    step('And forward again');
    await migrateCommand({ databaseUrl, dir });
    await db.end();
    out.write(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)}s.\n`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${redact(error instanceof Error ? error.message : String(error))}\n`);
  process.exitCode = 1;
});
