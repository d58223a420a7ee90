import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory (where package.json is). */
export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node <args>` in the repository root with the Node that runs the tests, and resolves with
 * its exit code (or signal) and output once it has ended. `env` adds to the inherited environment;
 * `onStart` receives a function that kills the process with SIGKILL.
 */
export function runNode(args: string[], env: Record<string, string> = {}, onStart?: (kill: () => void) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    onStart?.(() => child.kill('SIGKILL'));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `node bin/airlock.ts …` as a user would; DATABASE_URL is empty unless `env` sets it. */
export function airlock(args: string[], env: Record<string, string> = {}, onStart?: (kill: () => void) => void): Promise<Run> {
  return runNode([join(root, 'bin/airlock.ts'), ...args], { DATABASE_URL: '', ...env }, onStart);
}
