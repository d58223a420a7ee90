import { describe, expect, it } from 'vitest';
import { runNode } from '../support/cli.ts';
import { useTestDatabase } from '../support/db.ts';

const db = useTestDatabase();

/** Runs `npm start`'s script against this file's database, as `DATABASE_URL` lets a user do. */
const demo = () => runNode(['--liftoff-only', 'bin/demo.ts'], { DATABASE_URL: db.url });

describe('npm start (the demo)', () => {
  it('runs the whole runbook to the end: lint, apply under a held lock, verify, down scripts, and the fingerprint matches', async () => {
    const run = await demo();
    expect(run.stderr, run.stdout.slice(-2000)).not.toContain('demo failed');
    expect(run.code).toBe(0);
    // The reporter's line for a statement that hit lock_timeout behind the held lock (on stderr).
    expect(run.stderr).toMatch(/: lock not available \(55P03\), retry \d+ in \d/);
    expect(run.stdout).toMatch(/^matches .*before\.json$/m);
    expect(run.stdout).toMatch(/Done in \d+\.\d+s\.\n$/);
  }, 120_000);
});
