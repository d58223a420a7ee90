import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, type InputProblem } from '../../lambdas/errors.ts';
import { scriptFromText } from '../../lambdas/engine/migrations/load.ts';
import { loadParser } from '../../lambdas/engine/sql/parse.ts';
import { checksOfScript } from '../../lambdas/engine/verify/checks-file.ts';
import { judgeRows, parseExpectation, planExcerpt, planUsesIndex, type PlanNode } from '../../lambdas/engine/verify/expectations.ts';

beforeAll(() => loadParser());

function checks(sql: string) {
  const problems: InputProblem[] = [];
  const script = scriptFromText('0001_a.verify.sql', 'verify', sql, 'x', problems);
  expect(problems).toEqual([]);
  return checksOfScript(script!, '1');
}

function problemsOf(sql: string): InputProblem[] {
  try {
    checks(sql);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return [...(error as InputError).problems];
  }
  throw new Error('expected an InputError');
}

describe('checksOfScript', () => {
  it('reads named checks with their expectations, lines and timeouts', () => {
    const sql = [
      '-- airlock:statement-timeout 5s',
      '',
      '-- check: every alarm has a status',
      'SELECT count(*) = 0 FROM alarms WHERE status IS NULL;',
      '-- check: no orphan attempts',
      '-- expect: no-rows',
      'SELECT a.id',
      '  FROM attempts a;',
      '-- check: the timestamp index is used',
      '-- expect: uses-index Idx_Alarm_Ts',
      '-- expect: max-ms 250',
      "EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM alarms WHERE note = '-- check: not a marker' ORDER BY ts DESC LIMIT 100;",
      '-- check: fast enough',
      '-- expect: max-ms 50',
      'SELECT 1;',
    ].join('\n');
    const found = checks(sql);
    expect(found.map((c) => [c.name, c.line, c.expectation, c.maxMs, c.statementTimeoutMs, c.version])).toEqual([
      ['every alarm has a status', 3, { kind: 'true' }, undefined, 5000, '1'],
      ['no orphan attempts', 5, { kind: 'no-rows' }, undefined, 5000, '1'],
      ['the timestamp index is used', 9, { kind: 'uses-index', index: 'idx_alarm_ts' }, 250, 5000, '1'],
      ['fast enough', 13, undefined, 50, 5000, '1'],
    ]);
    expect(found[2]!.query).toBe("SELECT * FROM alarms WHERE note = '-- check: not a marker' ORDER BY ts DESC LIMIT 100");
  });

  it('does not take a marker inside a string literal for a check', () => {
    const sql = "-- check: one\nSELECT 'a\n-- check: two\n' <> '';";
    expect(checks(sql).map((c) => c.name)).toEqual(['one']);
  });

  it('rejects an unknown expectation, naming file and line and the kinds it knows', () => {
    const [p] = problemsOf('-- check: x\n-- expect: empty\nSELECT 1;');
    expect(p).toMatchObject({ file: '0001_a.verify.sql', line: 2 });
    expect(p!.message).toMatch(/unknown expectation 'empty'; use one of: no-rows, rows, equals/);
  });

  it('rejects a check with no statement', () => {
    const [p] = problemsOf('-- check: lonely\n-- expect: rows\n-- check: fine\nSELECT true;');
    expect(p).toMatchObject({ line: 1 });
    expect(p!.message).toMatch(/check 'lonely' has no statement; add the query/);
  });

  it('rejects expectations with a bad argument', () => {
    const problems = problemsOf(
      ['-- check: a', '-- expect: max-ms fast', 'SELECT 1;', '-- check: b', '-- expect: uses-index', 'SELECT 1;', '-- check: c', '-- expect: equals', 'SELECT 1;', '-- check: d', '-- expect: no-rows please', 'SELECT 1;'].join('\n'),
    );
    expect(problems.map((p) => p.line)).toEqual([2, 5, 8, 11]);
    expect(problems[0]!.message).toMatch(/^'-- expect: max-ms' needs a positive number of milliseconds.*\(got 'fast'\)/);
    expect(problems[1]!.message).toMatch(/^'-- expect: uses-index' needs one index name/);
    expect(problems[2]!.message).toMatch(/^'-- expect: equals' needs the value the query must return/);
    expect(problems[3]!.message).toMatch(/^'-- expect: no-rows' takes no argument; remove 'please'/);
  });

  it('rejects a statement outside any check, two statements in one check and a duplicate name', () => {
    const problems = problemsOf('SELECT 1;\n-- check: a\nSELECT true;\nSELECT true;\n-- check: a\nSELECT true;');
    expect(problems.map((p) => p.line)).toEqual([1, 4, 5]);
    expect(problems[0]!.message).toMatch(/belongs to no check/);
    expect(problems[1]!.message).toMatch(/holds 2 statements/);
    expect(problems[2]!.message).toMatch(/already defined on line 2/);
  });

  it('rejects two result expectations, an expectation after the statement, and transaction control', () => {
    const problems = problemsOf('-- check: a\n-- expect: rows\n-- expect: no-rows\nSELECT 1;\n-- check: b\nSELECT true;\n-- expect: rows\n-- check: c\nSET TRANSACTION READ WRITE;');
    expect(problems.map((p) => p.line)).toEqual([3, 7, 9]);
    expect(problems[2]!.message).toMatch(/a check is a query/);
  });

  it('rejects uses-index on a statement that cannot be explained', () => {
    const [p] = problemsOf('-- check: a\n-- expect: uses-index i\nSHOW work_mem;');
    expect(p!.message).toMatch(/needs a query PostgreSQL can EXPLAIN/);
  });
});

describe('parseExpectation', () => {
  it('reads equals values: bare, quoted with doubled quotes, and NULL', () => {
    expect(parseExpectation('equals 42')).toEqual({ kind: 'equals', value: '42' });
    expect(parseExpectation("equals 'it''s done'")).toEqual({ kind: 'equals', value: "it's done" });
    expect(parseExpectation('equals null')).toEqual({ kind: 'equals', value: null });
    expect(parseExpectation("equals 'open")).toMatch(/opens a quote/);
  });

  it('reads schema-qualified and quoted index names as PostgreSQL stores them', () => {
    expect(parseExpectation('uses-index app."Orders_Idx"')).toEqual({ kind: 'uses-index', schema: 'app', index: 'Orders_Idx' });
    expect(parseExpectation('uses-index a b')).toMatch(/needs one index name/);
  });
});

describe('judgeRows', () => {
  const bool = [{ name: 'ok', dataTypeID: 16 }];
  const int = [{ name: 'n', dataTypeID: 20 }];
  it('passes true only for a single boolean true', () => {
    expect(judgeRows({ kind: 'true' }, bool, [['t']], false).ok).toBe(true);
    expect(judgeRows({ kind: 'true' }, bool, [['f']], false)).toEqual({ ok: false, message: 'expected true, got false' });
    expect(judgeRows({ kind: 'true' }, int, [['1']], false).message).toMatch(/not a boolean/);
    expect(judgeRows({ kind: 'true' }, bool, [['t'], ['t']], false).message).toBe('expected one row, got 2 rows');
  });

  it('compares equals as text, numerically for numbers and loosely for booleans', () => {
    expect(judgeRows({ kind: 'equals', value: '1.50' }, int, [['1.5']], false).ok).toBe(true);
    expect(judgeRows({ kind: 'equals', value: 'true' }, bool, [['t']], false).ok).toBe(true);
    expect(judgeRows({ kind: 'equals', value: 'abc' }, int, [['abd']], false)).toEqual({ ok: false, message: "expected 'abc', got 'abd'" });
    expect(judgeRows({ kind: 'equals', value: null }, int, [[null]], false).ok).toBe(true);
  });

  it('counts rows for no-rows and rows, saying "more than 5" past the sample', () => {
    const six = Array.from({ length: 6 }, (_, i) => [String(i)]);
    expect(judgeRows({ kind: 'no-rows' }, int, six, true).message).toBe('expected no rows, got more than 5 rows');
    expect(judgeRows({ kind: 'no-rows' }, int, [], false).ok).toBe(true);
    expect(judgeRows({ kind: 'rows' }, int, [], false).ok).toBe(false);
  });
});

describe('planUsesIndex', () => {
  const plan: PlanNode = {
    'Node Type': 'Limit',
    Plans: [{ 'Node Type': 'Bitmap Heap Scan', 'Relation Name': 't', Schema: 'public', Plans: [{ 'Node Type': 'Bitmap Index Scan', 'Index Name': 't_a_idx' }] }],
  };
  it('finds an index anywhere in the plan, and not one it does not scan', () => {
    expect(planUsesIndex(plan, { index: 't_a_idx' })).toBe(true);
    expect(planUsesIndex(plan, { index: 't_b_idx' })).toBe(false);
    expect(planExcerpt(plan)).toEqual(['Limit', '  Bitmap Heap Scan on public.t', '    Bitmap Index Scan using t_a_idx']);
  });
});
