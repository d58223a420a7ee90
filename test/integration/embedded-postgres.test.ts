import { describe, expect, it } from 'vitest';
import { runNode } from '../support/cli.ts';

/** Runs `script` as an ES module in a Node process of its own, in the repository root. */
const runModule = (script: string) => runNode(['--input-type=module', '-e', script]);

describe('startEmbeddedPostgres', () => {
  it.each([0, 3])('leaves the exit code (%i) of the process that imports it alone', async (code) => {
    const run = await runModule(`await import('./lambdas/local/embedded-postgres.ts'); process.exitCode = ${code};`);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code, stderr: '' });
  });

  it('starts and stops a server (PostgreSQL 17 by default) in a process that then exits 0', async () => {
    const script = "const m = await import('./lambdas/local/embedded-postgres.ts'); const s = await m.startEmbeddedPostgres(); console.log(s.version); await s.stop();";
    const run = await runModule(script);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 0, stdout: '17\n', stderr: '' });
  });

  it.each([13, 18])('starts PostgreSQL %i when asked, and the process still keeps its exit code', async (version) => {
    const script = `const m = await import('./lambdas/local/embedded-postgres.ts'); const s = await m.startEmbeddedPostgres({ version: ${version} });
      const pg = (await import('pg')).default; const c = new pg.Client(s.url); await c.connect();
      const { rows } = await c.query("SELECT current_setting('server_version_num')::int / 10000 AS major"); await c.end();
      console.log(s.version, rows[0].major); await s.stop(); process.exitCode = 3;`;
    const run = await runModule(script);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 3, stdout: `${version} ${version}\n`, stderr: '' });
  });

  it('refuses a version it has no binaries for', async () => {
    const script = "const m = await import('./lambdas/local/embedded-postgres.ts'); await m.startEmbeddedPostgres({ version: 16 });";
    const run = await runModule(script);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no embedded PostgreSQL 16; choose one of 13, 17, 18');
  });
});
