import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { airlock } from '../support/cli.ts';
import { useTestDatabase } from '../support/db.ts';
import { migrationDir } from '../support/migration-dir.ts';

const db = useTestDatabase();
beforeEach(() => db.reset());

/**
 * db.url with a password in it, so that the CLI has one to leak: the server's own (the embedded
 * server has one) or, for an external server reached without one (trust auth), one it ignores.
 */
function urlWithPassword(): { url: string; password: string } {
  const url = new URL(db.url);
  if (!url.password) url.password = 'airlock-test-password';
  return { url: url.toString(), password: decodeURIComponent(url.password) };
}

describe('airlock migrate / status / down', () => {
  it('migrates, reports status as the JSON contract, and goes down, exiting 0', async () => {
    const dir = await migrationDir({
      '0001_a.up.sql': 'CREATE TABLE a (id int);',
      '0001_a.down.sql': 'DROP TABLE a;',
      '0002_b.sql': 'CREATE TABLE b (id int);',
    });
    const migrate = await airlock(['migrate', '--database-url', db.url, '--dir', dir, '--to', '1']);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain('applied 1 migration(s)');

    const status = await airlock(['status', '--dir', dir, '--format', 'json'], { DATABASE_URL: db.url });
    expect(status.code).toBe(0);
    const json = JSON.parse(status.stdout);
    expect(Object.keys(json)).toEqual(['applied', 'pending']);
    expect(json.applied).toEqual([{ version: '1', name: 'a', checksum: expect.stringMatching(/^[0-9a-f]{64}$/), appliedAt: expect.any(String) }]);
    expect(Object.keys(json.applied[0])).toEqual(['version', 'name', 'checksum', 'appliedAt']);
    expect(json.pending).toEqual([{ version: '2', name: 'b' }]);

    const down = await airlock(['down', '--database-url', db.url, '--dir', dir, '--to', '0']);
    expect(down.code).toBe(0);
    expect((await db.sql('SELECT count(*)::int AS n FROM airlock.migrations')).rows[0].n).toBe(0);
  });

  it('prints the plan for --dry-run and changes nothing', async () => {
    await db.sql('CREATE TABLE t (a int)');
    const dir = await migrationDir({ '1_idx.sql': 'CREATE INDEX t_a ON t (a);' });
    const run = await airlock(['migrate', '--database-url', db.url, '--dir', dir, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('SHARE on t (blocks writes); builds an index; transaction; lock_timeout 500ms');
    expect((await db.sql(`SELECT to_regclass('t_a') IS NULL AS absent`)).rows[0].absent).toBe(true);
  });

  it('exits non-zero naming the file on a failing migration, and never prints the password', async () => {
    const dir = await migrationDir({ '0001_bad.sql': 'SELECT * FROM nowhere;' });
    const { url, password } = urlWithPassword();
    const run = await airlock(['migrate', '--database-url', url, '--dir', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/0001_bad\.sql:1:15: relation "nowhere" does not exist/);
    expect(run.stdout + run.stderr).not.toContain(password);
  });

  it('exits non-zero with the file and line for bad input, and never prints the password of an unreachable database', async () => {
    const dir = await migrationDir({ '0001_bad.sql': 'CREATE TABLE (;', 'notes.sql': 'SELECT 1;' });
    const bad = await airlock(['migrate', '--database-url', db.url, '--dir', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('0001_bad.sql:1:14: SQL syntax error');
    expect(bad.stderr).toContain('notes.sql: the name matches no migration pattern');

    const unreachable = await airlock(['status', '--database-url', 'postgres://app:s3cr3t-pw@127.0.0.1:1/app', '--dir', dir]);
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stdout + unreachable.stderr).not.toContain('s3cr3t-pw');
  });

  it('asks for a database when neither --database-url nor DATABASE_URL is given', async () => {
    const dir = await migrationDir({ '0001_a.sql': 'SELECT 1;' });
    const run = await airlock(['status', '--dir', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pass --database-url');
  });

  it('exits 3 when the time budget stops it, and a later run finishes the job', async () => {
    await db.sql('CREATE TABLE src (id int PRIMARY KEY); INSERT INTO src SELECT generate_series(1, 3000); CREATE TABLE dst (id int PRIMARY KEY);');
    const dir = await migrationDir({ '1_copy.sql': '-- airlock:batch table=src key=id size=100 pause=50\nINSERT INTO dst SELECT id FROM src WHERE id > :lo AND id <= :hi;' });
    const first = await airlock(['migrate', '--database-url', db.url, '--dir', dir, '--time-budget', '300ms']);
    expect(first.code).toBe(3);
    expect(first.stdout).toContain('paused at the time budget');
    let code = first.code;
    for (let i = 0; i < 10 && code === 3; i++) code = (await airlock(['migrate', '--database-url', db.url, '--dir', dir, '--time-budget', '2s'])).code;
    expect(code).toBe(0);
    expect((await db.sql('SELECT count(*)::int AS n FROM dst')).rows[0].n).toBe(3000);
  });

  it('resumes a backfill after the process is killed with SIGKILL halfway', async () => {
    await db.sql('CREATE TABLE src (id int PRIMARY KEY); INSERT INTO src SELECT generate_series(1, 4000); CREATE TABLE dst (id int PRIMARY KEY);');
    const dir = await migrationDir({ '1_copy.sql': '-- airlock:batch table=src key=id size=100 pause=20\nINSERT INTO dst SELECT id FROM src WHERE id > :lo AND id <= :hi;' });
    const watcher = await db.connect();
    const killed = await airlock(['migrate', '--database-url', db.url, '--dir', dir], {}, (kill) => {
      void (async () => {
        for (let i = 0; i < 500; i++) {
          const n = Number((await watcher.query('SELECT count(*) AS n FROM dst')).rows[0].n);
          if (n >= 1000) return kill();
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
    });
    expect(killed.signal).toBe('SIGKILL');
    const halfway = Number((await db.sql('SELECT count(*) AS n FROM dst')).rows[0].n);
    expect(halfway).toBeGreaterThanOrEqual(1000);
    expect(halfway).toBeLessThan(4000);

    const rerun = await airlock(['migrate', '--database-url', db.url, '--dir', dir, '--lock-wait', '20s']);

    expect({ code: rerun.code, stderr: rerun.stderr }).toMatchObject({ code: 0 });
    expect((await db.sql('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM dst')).rows[0]).toEqual({ n: 4000, d: 4000 });
  });

  it('refuses a set with unacknowledged lint errors, listing them, and applies it with --allow-unsafe', async () => {
    await db.sql('CREATE TABLE t (a int); INSERT INTO t SELECT generate_series(1, 50000);');
    const dir = await migrationDir({ '0001_idx.sql': '-- index for lookups\nCREATE INDEX t_a ON t (a);' });
    const refused = await airlock(['migrate', '--database-url', db.url, '--dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/lint gate found 1 unsafe statement; nothing was applied:\n\s+\S*0001_idx\.sql:2:1 require-concurrent-index-creation/);
    expect((await db.sql(`SELECT to_regclass('t_a') IS NULL AS absent`)).rows[0].absent).toBe(true);

    const allowed = await airlock(['migrate', '--database-url', db.url, '--dir', dir, '--allow-unsafe', 'require-concurrent-index-creation']);
    expect(allowed.code).toBe(0);
    const { rows } = await db.sql('SELECT options FROM airlock.runs');
    expect(rows[0].options.allowUnsafe).toEqual(['require-concurrent-index-creation']);
  });

  it('refuses a tampered file by name with a non-zero exit', async () => {
    const dir = await migrationDir({ '1_a.sql': 'CREATE TABLE a (id int);' });
    expect((await airlock(['migrate', '--database-url', db.url, '--dir', dir])).code).toBe(0);
    await writeFile(join(dir, '1_a.sql'), 'CREATE TABLE a (id int, b int);');
    const run = await airlock(['migrate', '--database-url', db.url, '--dir', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('1_a.sql changed after it was applied');
  });
});
