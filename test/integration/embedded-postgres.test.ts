import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('startEmbeddedPostgres', () => {
  it.each([0, 3])('leaves the exit code (%i) of the process that imports it alone', (code) => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', `await import('./lambdas/local/embedded-postgres.ts'); process.exitCode = ${code};`], { cwd: root });
    expect({ status: run.status, stderr: run.stderr.toString() }).toEqual({ status: code, stderr: '' });
  });

  it('starts and stops a server (PostgreSQL 17 by default) in a process that then exits 0', () => {
    const script = "const m = await import('./lambdas/local/embedded-postgres.ts'); const s = await m.startEmbeddedPostgres(); console.log(s.version); await s.stop();";
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    expect({ status: run.status, stdout: run.stdout.toString(), stderr: run.stderr.toString() }).toEqual({ status: 0, stdout: '17\n', stderr: '' });
  });

  it.each([13, 18])('starts PostgreSQL %i when asked, and the process still keeps its exit code', (version) => {
    const script = `const m = await import('./lambdas/local/embedded-postgres.ts'); const s = await m.startEmbeddedPostgres({ version: ${version} });
      const pg = (await import('pg')).default; const c = new pg.Client(s.url); await c.connect();
      const { rows } = await c.query("SELECT current_setting('server_version_num')::int / 10000 AS major"); await c.end();
      console.log(s.version, rows[0].major); await s.stop(); process.exitCode = 3;`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    expect({ status: run.status, stdout: run.stdout.toString(), stderr: run.stderr.toString() }).toEqual({ status: 3, stdout: `${version} ${version}\n`, stderr: '' });
  });

  it('refuses a version it has no binaries for', () => {
    const script = "const m = await import('./lambdas/local/embedded-postgres.ts'); await m.startEmbeddedPostgres({ version: 16 });";
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    expect(run.status).toBe(1);
    expect(run.stderr.toString()).toContain('no embedded PostgreSQL 16; choose one of 13, 17, 18');
  });
});
