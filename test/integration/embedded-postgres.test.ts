import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('startEmbeddedPostgres', () => {
  it.each([0, 3])('leaves the exit code (%i) of the process that imports it alone', (code) => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', `await import('./lambdas/local/embedded-postgres.ts'); process.exitCode = ${code};`], { cwd: root });
    expect({ status: run.status, stderr: run.stderr.toString() }).toEqual({ status: code, stderr: '' });
  });

  it('starts and stops a server in a process that then exits 0', () => {
    const script = "const m = await import('./lambdas/local/embedded-postgres.ts'); const s = await m.startEmbeddedPostgres(); await s.stop();";
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    expect({ status: run.status, stderr: run.stderr.toString() }).toEqual({ status: 0, stderr: '' });
  });
});
