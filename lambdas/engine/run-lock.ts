import type pg from 'pg';
import { LockBusyError } from '../errors.ts';
import { sleep } from './retry.ts';

/** The advisory lock key pair every Airlock run takes: 'ARLK', 1. */
const LOCK_CLASS = 0x41524c4b;
const LOCK_OBJECT = 1;

export interface RunLock {
  /** Throws when the lock's session has died (and so the lock was released). */
  assertHeld(): void;
  release(): Promise<void>;
}

/**
 * Takes the session-level advisory lock on its own dedicated connection and keeps it for the whole
 * run. Waits at most `waitMs` for a competing run, then fails naming who holds it; nothing changed.
 */
export async function acquireRunLock(client: pg.Client, waitMs: number, pollMs = 200): Promise<RunLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { rows } = await client.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [LOCK_CLASS, LOCK_OBJECT]);
    if (rows[0].locked) break;
    if (Date.now() >= deadline) {
      throw new LockBusyError(`another run holds the lock (${await describeHolder(client)}); waited ${Math.round(waitMs / 1000)}s. Nothing was changed; run again when it has finished.`);
    }
    await sleep(pollMs);
  }
  let lost: Error | undefined;
  const onError = (e: Error): void => {
    lost = e;
  };
  client.on('error', onError);
  client.on('end', () => (lost ??= new Error('connection closed')));
  return {
    assertHeld() {
      if (lost) throw new LockBusyError(`the run lock's connection was lost (${lost.message}); stopping so that no two runs overlap. Run again to resume.`);
    },
    async release() {
      client.off('error', onError);
      if (!lost) await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, LOCK_OBJECT]).catch(() => {});
    },
  };
}

async function describeHolder(client: pg.Client): Promise<string> {
  const { rows } = await client.query(
    `SELECT a.pid, a.application_name, a.client_addr::text AS addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.granted`,
    [LOCK_CLASS, LOCK_OBJECT],
  );
  const h = rows[0];
  return h ? `pid ${h.pid}, application '${h.application_name}'${h.addr ? ` from ${h.addr}` : ''}, connected since ${new Date(h.backend_start).toISOString()}` : 'holder not visible to this role';
}
