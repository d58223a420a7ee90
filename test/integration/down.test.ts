import { beforeEach, describe, expect, it } from 'vitest';
import { readApplied } from '../../lambdas/engine/ledger.ts';
import { useTestDatabase } from '../support/db.ts';
import { applyDir, downDir } from '../support/engine.ts';
import { migrationDir } from '../support/migration-dir.ts';

const db = useTestDatabase();
beforeEach(() => db.reset());

const SET = {
  '1_users.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);',
  '1_users.down.sql': 'DROP TABLE users;',
  '2_email.up.sql': 'ALTER TABLE users ADD COLUMN email text;',
  '2_email.down.sql': 'ALTER TABLE users DROP COLUMN email;',
  '3_idx.up.sql': 'CREATE INDEX CONCURRENTLY users_email ON users (email);',
  '3_idx.down.sql': 'DROP INDEX CONCURRENTLY users_email;',
};

/** Applied versions, in version order. */
async function applied(): Promise<string[]> {
  return (await readApplied(db.client)).map((m) => m.version);
}

describe('down', () => {
  it('runs down scripts newest first, each in its own mode, and removes them from the ledger', async () => {
    const dir = await migrationDir(SET);
    await applyDir(db.url, dir);

    const { migrations, events } = await downDir(db.url, dir, { to: '1' });

    expect(migrations.map((m) => m.version)).toEqual(['3', '2']);
    expect(events.filter((e) => e.type === 'migration-start').map((e) => e.type === 'migration-start' && e.mode)).toEqual(['autocommit', 'transaction']);
    expect(await applied()).toEqual(['1']);
    const cols = await db.sql(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1`);
    expect(cols.rows.map((r) => r.column_name)).toEqual(['id']);
    const history = await db.sql(`SELECT version, direction FROM airlock.history ORDER BY id`);
    expect(history.rows.slice(-2)).toEqual([
      { version: '3', direction: 'down' },
      { version: '2', direction: 'down' },
    ]);
  });

  it('goes all the way with --to 0, and up again afterwards', async () => {
    const dir = await migrationDir(SET);
    await applyDir(db.url, dir);
    await downDir(db.url, dir, { to: '0' });
    expect(await applied()).toEqual([]);
    const again = await applyDir(db.url, dir);
    expect(again.migrations.map((m) => m.version)).toEqual(['1', '2', '3']);
  });

  it('refuses before changing anything when a migration in range has no down script', async () => {
    const { '2_email.down.sql': _dropped, ...withoutDown } = SET;
    const dir = await migrationDir(withoutDown);
    await applyDir(db.url, dir);
    await expect(downDir(db.url, dir, { to: '0' })).rejects.toMatchObject({
      name: 'MissingDownScriptError',
      message: expect.stringContaining('2 (email) has no down script'),
    });
    expect(await applied()).toEqual(['1', '2', '3']);
    const idx = await db.sql(`SELECT to_regclass('users_email') IS NOT NULL AS present`);
    expect(idx.rows[0].present).toBe(true);
  });

  it('rejects a --to that is not a version', async () => {
    const dir = await migrationDir(SET);
    await expect(downDir(db.url, dir, { to: 'latest' })).rejects.toMatchObject({ name: 'InputError', message: expect.stringContaining("'latest' is not a version") });
  });
});
