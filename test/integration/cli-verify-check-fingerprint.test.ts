import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../bin/commands/check.ts';
import { fingerprintCommand } from '../../bin/commands/fingerprint.ts';
import { verifyCommand } from '../../bin/commands/verify.ts';
import { InputError } from '../../lambdas/errors.ts';
import { loadMigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { airlock } from '../support/cli.ts';
import { useTestDatabase } from '../support/db.ts';
import { applyBySql } from '../support/engine.ts';
import { migrationDir } from '../support/migration-dir.ts';

const db = useTestDatabase();

function sink(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
  return { out, text: () => text };
}

/** Runs the real CLI on this file's database (DATABASE_URL). */
const cli = (args: string[]) => airlock(args, { DATABASE_URL: db.url });

let dir: string;
beforeAll(async () => {
  dir = await migrationDir({
    '0001_notes.up.sql': 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);\nCREATE INDEX notes_body_idx ON notes (body);',
    '0001_notes.verify.sql': '-- check: notes exist\n-- expect: rows\nSELECT id FROM notes;\n-- check: at most three notes\nSELECT count(*) <= 3 FROM notes;',
  });
  const set = await loadMigrationSet(dir);
  await applyBySql(db.client, set, ['1'], 'run-1');
  await db.sql(`INSERT INTO notes VALUES (1, 'a'), (2, 'b')`);
});

describe('airlock verify', () => {
  it('prints each check and passes, in text and in JSON', async () => {
    const { out, text } = sink();
    const report = await verifyCommand({ databaseUrl: db.url, dir }, out);
    expect(report.passed).toBe(true);
    expect(text()).toMatch(/PASS {2}created-indexes-valid +1 index created by run run-1, all valid {2}\[built-in, [\d.]+ ms\]/);
    expect(text()).toMatch(/PASS {2}at most three notes +holds {2}\[.*0001_notes\.verify\.sql:4, [\d.]+ ms\]/);
    expect(text()).toMatch(/6 passed, 0 warnings, 0 failed\n$/);
    const json = sink();
    await verifyCommand({ databaseUrl: db.url, dir, format: 'json' }, json.out);
    expect(JSON.parse(json.text())).toMatchObject({ passed: true, runId: 'run-1', counts: { pass: 6 } });
  });

  it('exits 1 and shows the offending rows when a check fails', async () => {
    await db.sql(`INSERT INTO notes VALUES (3, 'c'), (4, 'd')`);
    try {
      const { code, stdout } = await cli(['verify', '--dir', dir, '--no-built-ins']);
      expect(code).toBe(1);
      expect(stdout).toMatch(/FAIL {2}at most three notes {2}expected true, got false/);
      expect(stdout).toContain('row: {"?column?":"f"}');
    } finally {
      await db.sql(`DELETE FROM notes WHERE id > 2`);
    }
  });
});

describe('airlock check', () => {
  it('prints every health check, and exits 0 when none failed', async () => {
    // Generous off-peak limits: other test files share this server and its statistics.
    const file = join(dir, 'quiet.json');
    await writeFile(file, JSON.stringify({ offPeak: { sampleMs: '100ms', maxActiveSessions: 200, maxTransactionsPerSecond: 1e9 } }));
    const { code, stdout } = await cli(['check', '--dir', dir, '--thresholds', file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/PASS {2}connectivity {7}connected to PostgreSQL/);
    expect(stdout).toMatch(/10 passed, 0 warnings, 0 failed; 0 pending/);
  });

  it('exits 1 on a failed check, and reads thresholds from a file', async () => {
    const file = join(dir, 'thresholds.json');
    await writeFile(file, JSON.stringify({ connections: { warnRatio: 0, failRatio: 0 }, offPeak: { sampleMs: '100ms' } }));
    const { code, stdout } = await cli(['check', '--dir', dir, '--thresholds', file, '--format', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { results: Array<{ id: string; status: string; remedy: string }> };
    expect(report.results.find((r) => r.id === 'connections')).toMatchObject({ status: 'fail', remedy: expect.stringContaining('pooler') });
    // Every check that did not pass says what to do; a passing one says nothing.
    for (const r of report.results) expect(r.remedy === '', `${r.id} (${r.status}): remedy ${JSON.stringify(r.remedy)}`).toBe(r.status === 'pass');
  });

  it('rejects a thresholds file with an unknown field, naming it', async () => {
    const file = join(dir, 'bad-thresholds.json');
    await writeFile(file, JSON.stringify({ connections: { warnRation: 0.5 } }));
    const error = await checkCommand({ databaseUrl: db.url, dir, thresholds: file }, sink().out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/connections: .*warnRation/);
  });
});

describe('airlock fingerprint', () => {
  it('prints byte-identical output twice on an unchanged database', async () => {
    const first = await cli(['fingerprint', '--content']);
    const second = await cli(['fingerprint', '--content']);
    expect(first.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(first.stdout).toMatch(/^digest {2}[0-9a-f]{64}\nschema {2}[0-9a-f]{64} {2}\d+ objects\nrows {4}[0-9a-f]{64} {2}1 tables, content hashed\n {2}public\.notes +2 rows {2}[0-9a-f]{32}\n$/);
  });

  it('compares with a saved fingerprint: no difference exits 0, a difference names the table and exits 1', async () => {
    const saved = sink();
    await fingerprintCommand({ databaseUrl: db.url, format: 'json', content: true }, saved.out);
    const file = join(dir, 'fp.json');
    await writeFile(file, saved.text());
    expect(await cli(['fingerprint', '--content', '--compare', file])).toMatchObject({ code: 0, stdout: `matches ${file}\n` });
    await db.sql(`UPDATE notes SET body = 'z' WHERE id = 2`);
    try {
      const { code, stdout } = await cli(['fingerprint', '--content', '--compare', file]);
      expect(code).toBe(1);
      expect(stdout).toMatch(/^1 difference from .*:\n {2}changed content public\.notes {2}\([0-9a-f]{32} → [0-9a-f]{32}\)\n$/);
    } finally {
      await db.sql(`UPDATE notes SET body = 'b' WHERE id = 2`);
    }
  });

  it('refuses a fingerprint saved in an older format, naming the file and what to do', async () => {
    const saved = sink();
    await fingerprintCommand({ databaseUrl: db.url, format: 'json', content: true }, saved.out);
    const file = join(dir, 'fp-format-1.json');
    await writeFile(file, JSON.stringify({ ...JSON.parse(saved.text()), format: 1 }));
    const { code, stderr } = await cli(['fingerprint', '--content', '--compare', file]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}: is a fingerprint of format 1; this Airlock takes format 2. Take the "before" fingerprint again with this version.`);
  });
});
