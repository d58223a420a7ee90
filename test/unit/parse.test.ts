import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../lambdas/errors.ts';
import { bindPlaceholders, loadParser, parseStatements } from '../../lambdas/engine/sql/parse.ts';

beforeAll(() => loadParser());

describe('parseStatements', () => {
  it('gives each statement its kind, text and the line and column of its first token', () => {
    const sql = '-- airlock:no-transaction\n-- a comment\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n  /* why */ alter table t\n  add column b int;';
    const stmts = parseStatements(sql, 'x.sql');
    expect(stmts.map((s) => [s.kind, s.line, s.column])).toEqual([
      ['IndexStmt', 3, 1],
      ['AlterTableStmt', 5, 13],
    ]);
    expect(stmts[0]!.text).toBe('CREATE INDEX CONCURRENTLY i ON t (a)');
    expect(stmts[1]!.text).toBe('alter table t\n  add column b int');
  });

  it('counts positions in characters after multi-byte text', () => {
    const sql = "INSERT INTO t VALUES ('héllo wörld ✓');\nSELECT 1;";
    const stmts = parseStatements(sql, 'x.sql');
    expect(stmts[1]!.text).toBe('SELECT 1');
    expect([stmts[1]!.line, stmts[1]!.column]).toEqual([2, 1]);
  });

  it('keeps the comments before a statement out of its text, and the blanks before its `;`', () => {
    const sql = '  -- c\nSELECT 1 /* x */ ;\n-- mid\n SELECT 2 -- t\n;  SELECT 3 -- end';
    const stmts = parseStatements(sql, 'x.sql');
    expect(stmts.map((s) => [s.text, s.line, s.column, s.textStartByte])).toEqual([
      ['SELECT 1 /* x */', 2, 1, 7],
      ['SELECT 2 -- t', 4, 2, 34],
      ['SELECT 3 -- end', 5, 4, 51],
    ]);
  });

  it('parses PostgreSQL 18 syntax', () => {
    const sql = 'ALTER TABLE t ADD CONSTRAINT t_a_nn NOT NULL a NOT VALID;\nALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2) VIRTUAL;\nALTER TABLE t ALTER CONSTRAINT c NOT ENFORCED;\nUPDATE t SET a = 1 RETURNING old.a, new.a;';
    expect(parseStatements(sql, 'x.sql').map((s) => s.kind)).toEqual(['AlterTableStmt', 'AlterTableStmt', 'AlterTableStmt', 'UpdateStmt']);
  });

  it('finds no statement in a blank file, and none in a file of comments', () => {
    expect(parseStatements('', 'x.sql')).toEqual([]);
    expect(parseStatements('  \n\t', 'x.sql')).toEqual([]);
    expect(parseStatements('-- nothing yet\n', 'x.sql')).toEqual([]);
  });

  it('reports a syntax error with file, line and column', () => {
    const sql = "SELECT 'é';\nCREATE TABL x (a int);";
    const error = (() => {
      try {
        parseStatements(sql, 'dir/0002_bad.sql');
      } catch (e) {
        return e;
      }
    })() as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.problems[0]).toMatchObject({ file: 'dir/0002_bad.sql', line: 2, column: 8 });
    expect(error.message).toContain('dir/0002_bad.sql:2:8');
  });
});

describe('bindPlaceholders', () => {
  it('turns :lo and :hi into $1 and $2 but leaves literals, comments and casts alone', () => {
    const sql = "UPDATE t SET note = ':lo' WHERE id > :lo AND id <= :hi::bigint -- :hi\n";
    const { text, found } = bindPlaceholders(sql);
    expect(found).toBe(true);
    expect(text).toBe("UPDATE t SET note = ':lo' WHERE id > $1  AND id <= $2 ::bigint -- :hi\n");
    expect(text.length).toBe(sql.length);
  });

  it('finds nothing in plain SQL', () => {
    expect(bindPlaceholders("SELECT 'a'::text").found).toBe(false);
  });
});
