import { beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../lambdas/engine/events.ts';
import { useTestDatabase } from '../support/db.ts';
import { applyDir } from '../support/engine.ts';
import { migrationDir } from '../support/migration-dir.ts';

const db = useTestDatabase();
beforeEach(async () => {
  await db.reset();
  await db.sql(`CREATE TABLE src (id bigint PRIMARY KEY, v int NOT NULL);
                INSERT INTO src SELECT g, g % 7 FROM generate_series(1, 10005) g;
                CREATE TABLE dst (id bigint PRIMARY KEY, v int NOT NULL);`);
});

const COPY = {
  '1_copy.sql': `-- airlock:batch table=src key=id size=1000
INSERT INTO dst SELECT id, v FROM src WHERE id > :lo AND id <= :hi;`,
};

const batches = (events: EngineEvent[]) => events.filter((e): e is Extract<EngineEvent, { type: 'batch' }> => e.type === 'batch');

describe('batched data changes', () => {
  it('walks the key in exact-size batches, each committed, and copies every row once', async () => {
    const dir = await migrationDir(COPY);
    const { events, done } = await applyDir(db.url, dir);
    expect(done).toBe(true);
    const b = batches(events);
    expect(b.map((e) => e.rowsDone)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 10005]);
    expect(b.at(-1)).toMatchObject({ rowsTotal: 10005 });
    const { rows } = await db.sql('SELECT count(*)::int AS n, sum(id)::bigint AS s FROM dst');
    expect(rows[0]).toEqual({ n: 10005, s: String((10005 * 10006) / 2) });
  });

  it('stops at the time budget with a cursor, and the next call resumes from the ledger without repeating a row', async () => {
    // 11 batches with 150 ms pauses take over 1.6 s: a 1 s budget stops the run partway.
    const dir = await migrationDir({ '1_copy.sql': `-- airlock:batch table=src key=id size=1000 pause=150\nINSERT INTO dst SELECT id, v FROM src WHERE id > :lo AND id <= :hi;` });
    const first = await applyDir(db.url, dir, { timeBudgetMs: 1000 });
    expect(first.done).toBe(false);
    expect(first.cursor).toMatchObject({ version: '1', statementIndex: 0 });
    const copied = Number((await db.sql('SELECT count(*) AS n FROM dst')).rows[0].n);
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThan(10005);
    expect(first.cursor!.key).toBe(String(copied));
    const run = await db.sql('SELECT status FROM airlock.runs WHERE run_id = $1', [first.runId]);
    expect(run.rows[0].status).toBe('paused');

    let result = first;
    for (let i = 0; i < 20 && !result.done; i++) result = await applyDir(db.url, dir, { timeBudgetMs: 1000 });

    expect(result.done).toBe(true);
    const { rows } = await db.sql('SELECT count(*)::int AS n FROM dst');
    expect(rows[0].n).toBe(10005);
  });

  it('resumes after its backend is killed mid-backfill, losing no batch and repeating none', async () => {
    const dir = await migrationDir({ '1_copy.sql': `-- airlock:batch table=src key=id size=500 pause=30\nINSERT INTO dst SELECT id, v FROM src WHERE id > :lo AND id <= :hi;` });
    const killer = await db.connect();
    const kill = (async () => {
      for (let i = 0; i < 200; i++) {
        const n = Number((await killer.query('SELECT count(*) AS n FROM dst')).rows[0].n);
        if (n >= 3000) {
          await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'airlock' AND datname = current_database() AND pid <> pg_backend_pid()`);
          return n;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      return -1;
    })();
    await expect(applyDir(db.url, dir)).rejects.toBeTruthy();
    expect(await kill).toBeGreaterThanOrEqual(3000);
    const progress = await db.sql('SELECT cursor, rows_done FROM airlock.progress');
    const copied = Number((await db.sql('SELECT count(*) AS n FROM dst')).rows[0].n);
    expect(progress.rows[0]).toEqual({ cursor: String(copied), rows_done: String(copied) });

    const { done } = await applyDir(db.url, dir);

    expect(done).toBe(true);
    const { rows } = await db.sql('SELECT count(*)::int AS n FROM dst');
    expect(rows[0].n).toBe(10005);
  });

  it('runs each batch under its lock timeout with synchronous_commit off, and the statements after it with the session defaults', async () => {
    await db.sql(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = on', current_database()); END $$;
                  CREATE TABLE seen (what text NOT NULL, sync text NOT NULL, lock_timeout text NOT NULL)`);
    const dir = await migrationDir({
      '1_copy.sql': `-- airlock:batch table=src key=id size=5000\n-- airlock:lock-timeout 2s\nINSERT INTO seen SELECT DISTINCT 'batch', current_setting('synchronous_commit'), current_setting('lock_timeout') FROM src WHERE id > :lo AND id <= :hi;`,
      '2_after.sql': `INSERT INTO seen VALUES ('after', current_setting('synchronous_commit'), current_setting('lock_timeout'));`,
    });

    const { done } = await applyDir(db.url, dir);

    expect(done).toBe(true);
    const { rows } = await db.sql('SELECT what, sync, lock_timeout FROM seen ORDER BY what');
    expect(rows).toEqual([
      { what: 'after', sync: 'on', lock_timeout: '500ms' },
      { what: 'batch', sync: 'off', lock_timeout: '2s' },
      { what: 'batch', sync: 'off', lock_timeout: '2s' },
      { what: 'batch', sync: 'off', lock_timeout: '2s' },
    ]);
  });

  it('works on text keys and on an empty table', async () => {
    await db.sql(`CREATE TABLE names (k text PRIMARY KEY); INSERT INTO names SELECT md5(g::text) FROM generate_series(1, 2500) g;
                  CREATE TABLE names_copy (k text PRIMARY KEY); CREATE TABLE empty (id int PRIMARY KEY);`);
    const dir = await migrationDir({
      '1_copy.sql': `-- airlock:batch table=names key=k size=1000\nINSERT INTO names_copy SELECT k FROM names WHERE k > :lo AND k <= :hi;`,
      '2_none.sql': `-- airlock:batch table=empty key=id size=10\nUPDATE empty SET id = id WHERE id > :lo AND id <= :hi;`,
    });
    const { events } = await applyDir(db.url, dir);
    expect((await db.sql('SELECT count(*)::int AS n FROM names_copy')).rows[0].n).toBe(2500);
    expect(events).toContainEqual(expect.objectContaining({ type: 'batch-done', version: '2', rowsDone: 0 }));
  });

  it('walks text keys that need quoting, with each one a committed cursor', async () => {
    await db.sql(`CREATE TABLE odd (k text PRIMARY KEY); INSERT INTO odd VALUES ('a''b'), (E'c\\\\d'), ('e"f'), ('g;COMMIT');
                  CREATE TABLE odd_copy (k text PRIMARY KEY);`);
    const dir = await migrationDir({ '1_copy.sql': `-- airlock:batch table=odd key=k size=1\nINSERT INTO odd_copy SELECT k FROM odd WHERE k > :lo AND k <= :hi;` });

    const { events } = await applyDir(db.url, dir);

    const { rows } = await db.sql('SELECT k FROM odd_copy ORDER BY k');
    expect(rows.map((r) => r.k)).toEqual(["a'b", 'c\\d', 'e"f', 'g;COMMIT']);
    expect(batches(events).map((e) => e.rowsDone)).toEqual([1, 2, 3, 4]);
  });

  it('walks a mixed-case table created with a quoted name, looking its key type up under that exact name', async () => {
    await db.sql(`CREATE TABLE "Orders" (id bigint PRIMARY KEY, v int NOT NULL); INSERT INTO "Orders" SELECT g, g % 5 FROM generate_series(1, 2500) g;`);
    const dir = await migrationDir({ '1_copy.sql': `-- airlock:batch table=Orders key=id size=1000\nINSERT INTO dst SELECT id, v FROM "Orders" WHERE id > :lo AND id <= :hi;` });

    const { events, done } = await applyDir(db.url, dir);

    expect(done).toBe(true);
    expect(batches(events).map((e) => e.rowsDone)).toEqual([1000, 2000, 2500]);
    expect((await db.sql('SELECT count(*)::int AS n FROM dst')).rows[0].n).toBe(2500);
  });

  it('names the file and line when the batch key does not exist', async () => {
    const dir = await migrationDir({ '1_bad.sql': `-- airlock:batch table=src key=nope size=10\nUPDATE src SET v = v WHERE nope > :lo AND nope <= :hi;` });
    await expect(applyDir(db.url, dir)).rejects.toMatchObject({ name: 'InputError', message: expect.stringContaining('1_bad.sql:1: batch key src.nope does not exist') });
  });
});
