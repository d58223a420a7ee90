import { createHash } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../lambdas/errors.ts';
import { compareVersions, decodeScript, loadMigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { migrationDir } from '../support/migration-dir.ts';

async function problemsOf(files: Record<string, string | Buffer>): Promise<Array<{ file: string; line?: number; column?: number; message: string }>> {
  const dir = await migrationDir(files);
  try {
    await loadMigrationSet(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problems.map((p) => ({ ...p, file: p.file.slice(dir.length + 1) }));
  }
  throw new Error('expected the set to be refused');
}

describe('loadMigrationSet', () => {
  it('pairs up, down and verify scripts by version and orders versions numerically', async () => {
    const dir = await migrationDir({
      '10_ten.sql': 'SELECT 10;',
      '0002_two.up.sql': 'SELECT 2;',
      '0002_two.down.sql': 'SELECT -2;',
      '0002_two.verify.sql': '-- check: ok\nSELECT true;',
      'V3__flyway_three.sql': 'SELECT 3;',
      'U3__flyway_three.sql': 'SELECT -3;',
      'README.md': 'not a migration',
    });
    const set = await loadMigrationSet(dir);
    expect(set.migrations.map((m) => [m.version, m.name, !!m.down, !!m.verify])).toEqual([
      ['2', 'two', true, true],
      ['3', 'flyway_three', true, false],
      ['10', 'ten', false, false],
    ]);
    expect(set.migrations[0]!.up.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads directives and decides the transaction mode', async () => {
    const dir = await migrationDir({
      '1_a.sql': '-- airlock:lock-timeout 3s\n-- airlock:statement-timeout 30min\n-- airlock:allow ban-drop-column the column was never read\nALTER TABLE t DROP COLUMN c;',
      '2_b.sql': 'CREATE TABLE x (id int);\nCREATE INDEX CONCURRENTLY i ON x (id);',
      '3_c.sql': '-- airlock:batch table=public.t key=id size=500 pause=50ms\nUPDATE t SET v = 0 WHERE id > :lo AND id <= :hi;',
    });
    const [a, b, c] = (await loadMigrationSet(dir)).migrations;
    expect(a!.up.directives).toMatchObject({ lockTimeoutMs: 3000, statementTimeoutMs: 1_800_000, allows: [{ rule: 'ban-drop-column', reason: 'the column was never read', line: 3 }] });
    expect(a!.up.autocommit).toBe(false);
    expect(b!.up.autocommit).toBe(true);
    expect(c!.up.directives.batch).toEqual({ table: 'public.t', key: 'id', size: 500, pauseMs: 50, line: 1 });
    expect(c!.up.statements[0]!.batched).toBe(true);
  });

  it('accepts a UTF-8 byte-order mark', async () => {
    const dir = await migrationDir({ '1_bom.sql': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('SELECT 1;')]) });
    expect((await loadMigrationSet(dir)).migrations).toHaveLength(1);
  });

  it('decodes a script as the loader and the linter both read it: BOM dropped, checksum of the bytes as written', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('SELECT 1;')]);
    const decoded = decodeScript(bytes);
    expect(decoded).toEqual({ sql: 'SELECT 1;', checksum: createHash('sha256').update(bytes).digest('hex') });
    const [loaded] = (await loadMigrationSet(await migrationDir({ '1_bom.sql': bytes }))).migrations;
    expect(loaded!.up.checksum).toBe(decoded.checksum);
    expect(loaded!.up.sql).toBe(decoded.sql);
  });

  it('decodes no text from bytes that are not UTF-8, but still gives their checksum', () => {
    const decoded = decodeScript(Buffer.from([0x53, 0x45, 0x4c, 0x27, 0xe9, 0x27, 0x3b]));
    expect(decoded.sql).toBeUndefined();
    expect(decoded.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['two up scripts for one version', { '1_a.sql': 'SELECT 1;', '0001_b.up.sql': 'SELECT 1;' }, { file: '1_a.sql', message: /version 1 already has up script 0001_b.up.sql/ }],
    ['a name that matches no pattern', { 'create_users.sql': 'SELECT 1;' }, { file: 'create_users.sql', message: /matches no migration pattern; rename it/ }],
    ['a Flyway repeatable migration', { 'R__views.sql': 'SELECT 1;' }, { file: 'R__views.sql', message: /repeatable migrations \(R__\) are not supported/ }],
    ['a down script with no up script', { '2_a.down.sql': 'SELECT 1;' }, { file: '2_a.down.sql', message: /has no up script for version 2/ }],
    ['a verify script with no up script', { '2_a.verify.sql': 'SELECT true;' }, { file: '2_a.verify.sql', message: /has no up script/ }],
    ['a file that is not UTF-8', { '1_latin1.sql': Buffer.from([0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20, 0x27, 0xe9, 0x27, 0x3b]) }, { file: '1_latin1.sql', message: /not valid UTF-8/ }],
    ['a syntax error', { '1_bad.sql': 'SELECT 1;\n\nCREATE TABL x (id int);' }, { file: '1_bad.sql', line: 3, column: 8, message: /SQL syntax error: syntax error at or near "TABL"/ }],
    ['an unknown directive', { '1_a.sql': '-- airlock:no-transactions\nSELECT 1;' }, { file: '1_a.sql', line: 1, message: /unknown directive 'airlock:no-transactions'/ }],
    ['a lock timeout that is not a duration', { '1_a.sql': '-- airlock:lock-timeout soon\nSELECT 1;' }, { file: '1_a.sql', line: 1, message: /needs a duration such as 3s/ }],
    ['an allow without a reason', { '1_a.sql': '-- airlock:allow ban-drop-table\nDROP TABLE t;' }, { file: '1_a.sql', line: 1, message: /needs a rule id and a reason/ }],
    ['a batch without a key', { '1_a.sql': '-- airlock:batch table=t size=10\nUPDATE t SET v = 1 WHERE id > :lo AND id <= :hi;' }, { file: '1_a.sql', line: 1, message: /key= is missing/ }],
    ['a batch with a bad size', { '1_a.sql': '-- airlock:batch table=t key=id size=-5\nUPDATE t SET v = 1 WHERE id > :lo AND id <= :hi;' }, { file: '1_a.sql', line: 1, message: /size= must be a positive whole number/ }],
    ['a batch whose statement has no bounds', { '1_a.sql': '-- airlock:batch table=t key=id\nUPDATE t SET v = 1;' }, { file: '1_a.sql', line: 1, message: /no statement uses :lo and :hi/ }],
    [':lo and :hi without a batch directive', { '1_a.sql': 'UPDATE t SET v = 1 WHERE id > :lo AND id <= :hi;' }, { file: '1_a.sql', line: 1, column: 1, message: /has no batch directive/ }],
    ['a directive below the first statement', { '1_a.sql': 'SELECT 1;\n-- airlock:no-transaction\nSELECT 2;' }, { file: '1_a.sql', line: 2, message: /must stand in the comments at the top/ }],
    ['BEGIN and COMMIT written into the file', { '1_a.sql': 'BEGIN;\nSELECT 1;\nCOMMIT;' }, { file: '1_a.sql', line: 1, message: /'BEGIN' controls transactions/ }],
    ['an empty up script', { '1_a.sql': '-- nothing yet\n' }, { file: '1_a.sql', message: /holds no SQL statement/ }],
  ])('refuses %s, naming the file and what to do', async (_what, files, expected) => {
    const problems = await problemsOf(files as Record<string, string | Buffer>);
    expect(problems).toContainEqual(expect.objectContaining({ ...expected, message: expect.stringMatching(expected.message) }));
  });

  it('reports every problem of every file at once', async () => {
    const problems = await problemsOf({ 'x.sql': 'SELECT 1;', '1_a.sql': 'SELEC 1;', '2_b.down.sql': 'SELECT 1;' });
    expect(problems.map((p) => p.file).sort()).toEqual(['1_a.sql', '2_b.down.sql', 'x.sql']);
  });

  it('reports a file it cannot read', async () => {
    if (process.getuid?.() === 0) {
      // root reads every file whatever its mode; an unreadable path is a dangling link instead.
      const dir = await migrationDir({});
      const { symlink } = await import('node:fs/promises');
      await symlink(join(dir, 'missing-target.sql'), join(dir, '1_gone.sql'));
      await expect(loadMigrationSet(dir)).rejects.toThrow(/1_gone\.sql: cannot be read \(ENOENT\)/);
      return;
    }
    const dir = await migrationDir({ '1_secret.sql': 'SELECT 1;' });
    await chmod(join(dir, '1_secret.sql'), 0o000);
    await expect(loadMigrationSet(dir)).rejects.toThrow(/1_secret\.sql: cannot be read \(EACCES\)/);
  });

  it('reports a directory that does not exist', async () => {
    await expect(loadMigrationSet('/nonexistent/migrations')).rejects.toThrow(/the migration directory cannot be read \(ENOENT\)/);
  });
});

describe('compareVersions', () => {
  it('compares part by part, numerically', () => {
    expect(['10', '2', '1.10', '1.2', '1'].sort(compareVersions)).toEqual(['1', '1.2', '1.10', '2', '10']);
  });
});
