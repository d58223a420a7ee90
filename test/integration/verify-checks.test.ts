import { beforeAll, describe, expect, it } from 'vitest';
import type { InputProblem } from '../../lambdas/errors.ts';
import { scriptFromText } from '../../lambdas/engine/migrations/load.ts';
import { loadParser } from '../../lambdas/engine/sql/parse.ts';
import { checksOfScript } from '../../lambdas/engine/verify/checks-file.ts';
import { runCheck, type CheckResult } from '../../lambdas/engine/verify/run-check.ts';
import { useTestDatabase } from '../support/db.ts';

const db = useTestDatabase();

beforeAll(async () => {
  await loadParser();
  await db.sql(`CREATE TABLE alarms (id int PRIMARY KEY, status text, ts timestamptz NOT NULL, note text)`);
  await db.sql(`INSERT INTO alarms SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'sent' END, timestamptz '2024-01-01' + g * interval '1 minute', 'n' || g FROM generate_series(1, 20000) g`);
  await db.sql(`CREATE INDEX idx_alarm_ts ON alarms (ts)`);
  await db.sql(`ANALYZE alarms`);
  await db.sql(`CREATE SEQUENCE alarm_numbers`);
});

async function run(body: string, options: Parameters<typeof runCheck>[2] = {}): Promise<CheckResult> {
  const problems: InputProblem[] = [];
  const script = scriptFromText('0001_a.verify.sql', 'verify', `-- check: c\n${body}`, 'x', problems);
  expect(problems).toEqual([]);
  const [check] = checksOfScript(script!, '1');
  return runCheck(db.client, check!, options);
}

describe('runCheck', () => {
  it('passes the default expectation on a single true, and fails on false with the value', async () => {
    expect(await run(`SELECT count(*) > 0 FROM alarms;`)).toMatchObject({ status: 'pass', source: '0001_a.verify.sql:1', version: '1' });
    const failed = await run(`SELECT count(*) = 0 FROM alarms WHERE status IS NULL;`);
    expect(failed).toMatchObject({ status: 'fail', failure: 'unexpected-result', message: 'expected true, got false', expected: 'one row, one column, true' });
    expect(failed.rows).toEqual([{ '?column?': 'f' }]);
  });

  it('passes no-rows on an empty result, and fails with the first five offending rows', async () => {
    expect((await run(`-- expect: no-rows\nSELECT id FROM alarms WHERE id < 0;`)).status).toBe('pass');
    const failed = await run(`-- expect: no-rows\nSELECT id, status FROM alarms WHERE status IS NULL ORDER BY id;`);
    expect(failed).toMatchObject({ status: 'fail', message: 'expected no rows, got more than 5 rows' });
    expect(failed.rows).toEqual([10, 20, 30, 40, 50].map((id) => ({ id: String(id), status: null })));
  });

  it('passes rows when there is one, and fails when there is none', async () => {
    expect((await run(`-- expect: rows\nSELECT 1 FROM alarms WHERE id = 5;`)).status).toBe('pass');
    expect(await run(`-- expect: rows\nSELECT 1 FROM alarms WHERE id = -5;`)).toMatchObject({ status: 'fail', message: 'expected at least one row, got none' });
  });

  it('passes equals on the printed value, and fails naming both values', async () => {
    expect((await run(`-- expect: equals 2000\nSELECT count(*) FROM alarms WHERE status IS NULL;`)).status).toBe('pass');
    expect((await run(`-- expect: equals 'sent'\nSELECT status FROM alarms WHERE id = 1;`)).status).toBe('pass');
    expect(await run(`-- expect: equals 1999\nSELECT count(*) FROM alarms WHERE status IS NULL;`)).toMatchObject({ status: 'fail', message: "expected '1999', got '2000'" });
  });

  it('passes uses-index when the planner picks the index, and fails with the plan when it does not', async () => {
    expect((await run(`-- expect: uses-index idx_alarm_ts\nEXPLAIN SELECT * FROM alarms ORDER BY ts DESC LIMIT 100;`)).status).toBe('pass');
    expect((await run(`-- expect: uses-index public.idx_alarm_ts\nSELECT id FROM alarms WHERE ts < '2024-01-01 01:00';`)).status).toBe('pass');
    const failed = await run(`-- expect: uses-index idx_alarm_ts\nEXPLAIN SELECT * FROM alarms WHERE note = 'n5';`);
    expect(failed).toMatchObject({ status: 'fail', failure: 'index-not-used', message: 'the plan does not use index idx_alarm_ts' });
    expect(failed.plan).toEqual(['Seq Scan on public.alarms']);
  });

  it('passes max-ms for a quick query, and fails a slow one with its time and plan', async () => {
    expect((await run(`-- expect: max-ms 5000\nSELECT * FROM alarms WHERE id = 7;`)).status).toBe('pass');
    const failed = await run(`-- expect: max-ms 50\nSELECT pg_sleep(0.2);`);
    expect(failed).toMatchObject({ status: 'fail', failure: 'too-slow', expected: 'within 50 ms' });
    expect(failed.message).toMatch(/^took \d+(\.\d+)? ms \(planning \+ execution\), more than the 50 ms allowed$/);
    expect(failed.plan).toEqual(['Result']);
  });

  it('cancels a query far over its max-ms instead of waiting for the statement timeout', async () => {
    const started = Date.now();
    const failed = await run(`-- expect: max-ms 100\nSELECT pg_sleep(10);`);
    expect(failed).toMatchObject({ status: 'fail', failure: 'too-slow', message: 'canceled after 1300 ms, far more than the 100 ms allowed' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('combines a result expectation with max-ms', async () => {
    expect((await run(`-- expect: rows\n-- expect: max-ms 5000\nSELECT 1;`)).status).toBe('pass');
    expect((await run(`-- expect: no-rows\n-- expect: max-ms 5000\nSELECT 1;`)).status).toBe('fail');
  });

  it('fails a check that tries to write as an attempted write, and leaves the data unchanged', async () => {
    const failed = await run(`UPDATE alarms SET status = 'x' WHERE id = 1 RETURNING true;`);
    expect(failed).toMatchObject({ status: 'fail', failure: 'attempted-write' });
    expect(failed.message).toMatch(/cannot execute UPDATE in a read-only transaction/);
    const viaFunction = await run(`SELECT nextval('alarm_numbers') IS NOT NULL;`);
    expect(viaFunction).toMatchObject({ status: 'fail', failure: 'attempted-write' });
    const { rows } = await db.sql(`SELECT status FROM alarms WHERE id = 1`);
    expect(rows[0].status).toBe('sent');
  });

  it('fails on the statement timeout, and on a lock it cannot get in time', async () => {
    expect(await run(`SELECT pg_sleep(2) IS NOT NULL;`, { statementTimeoutMs: 100 })).toMatchObject({ status: 'fail', failure: 'timeout' });
    const holder = await db.connect();
    await holder.query(`BEGIN; LOCK TABLE alarms IN ACCESS EXCLUSIVE MODE`);
    try {
      expect(await run(`SELECT count(*) > 0 FROM alarms;`, { lockTimeoutMs: 100 })).toMatchObject({ status: 'fail', failure: 'lock-timeout' });
    } finally {
      await holder.query('ROLLBACK');
    }
  });

  it('reports an error in the query and leaves the session usable for the next check', async () => {
    expect(await run(`SELECT 1 / 0 = 1;`)).toMatchObject({ status: 'fail', failure: 'error', message: 'failed: division by zero (SQLSTATE 22012)' });
    expect((await run(`SELECT true;`)).status).toBe('pass');
    const { rows } = await db.sql(`SELECT current_setting('transaction_read_only') AS ro, now() = statement_timestamp() AS outside_transaction`);
    expect(rows[0]).toEqual({ ro: 'off', outside_transaction: true });
  });
});
