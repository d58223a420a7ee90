import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('startEmbeddedPostgres', () => {
  it('leaves the exit code of the process that imports it alone (a failing run must not exit 0)', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('./lambdas/local/embedded-postgres.ts'); process.exitCode = 3;"], { cwd: root });
    expect(run.status).toBe(3);
  });
});
