import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintMigrationSet, lintPaths } from '../../lambdas/engine/lint/index.ts';
import { loadMigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { loadParser } from '../../lambdas/engine/sql/parse.ts';
import { lintSql } from '../support/lint.ts';
import { migrationDir } from '../support/migration-dir.ts';

beforeAll(() => loadParser());

const rulesOf = (findings: ReadonlyArray<{ rule: string }>): string[] => findings.map((f) => f.rule);

describe('lint context', () => {
  it('treats a table created earlier in the same file as new and empty', () => {
    const findings = lintSql('CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);');
    expect(rulesOf(findings)).toEqual([]);
  });

  it('treats a table created by an earlier migration of the set as new, and any other table as existing', async () => {
    const dir = await migrationDir({
      '0001_create.sql': 'CREATE TABLE t (a int);',
      '0002_index.sql': 'CREATE INDEX t_a ON t (a);\nCREATE INDEX u_a ON u (a);',
    });
    const { findings } = await lintPaths([dir]);
    expect(findings.map((f) => `${f.rule}@${f.line}`)).toEqual(['require-concurrent-index-creation@2']);
  });

  it('lints files that are not named as migrations each on their own', async () => {
    const dir = await migrationDir({ 'a.sql': 'CREATE TABLE t (a int);', 'b.sql': 'CREATE INDEX t_a ON t (a);' });
    const { findings } = await lintPaths([dir]);
    expect(findings.map((f) => [basename(f.file), f.rule])).toEqual([['b.sql', 'require-concurrent-index-creation']]);
  });

  it('accepts a CREATE INDEX on a new partitioned table, and explains the ON ONLY route for an existing one', () => {
    expect(lintSql('CREATE TABLE e (at timestamptz) PARTITION BY RANGE (at);\nCREATE INDEX e_at ON e (at);')).toEqual([]);
    const [finding] = lintSql('CREATE INDEX e_at ON e (at);', { given: 'CREATE TABLE e (at timestamptz) PARTITION BY RANGE (at);' });
    expect(finding?.help).toContain('ON ONLY e');
  });

  it('counts the tables of applied migrations as existing, those of pending ones as new', async () => {
    const dir = await migrationDir({
      '0001_old.sql': 'CREATE TABLE old (a int);',
      '0002_new.sql': 'CREATE TABLE fresh (a int);',
      '0003_index.sql': 'CREATE INDEX old_a ON old (a);\nCREATE INDEX fresh_a ON fresh (a);',
    });
    const set = await loadMigrationSet(dir);
    const { findings } = await lintMigrationSet(set, { appliedVersions: ['1'] });
    expect(findings.map((f) => `${f.rule}@${f.line}`)).toEqual(['require-concurrent-index-creation@1']);
  });

  it('knows a column type from an earlier migration, so a binary-coercible change passes and others do not', () => {
    const given = 'CREATE TABLE t (name varchar(20), n integer);';
    expect(lintSql('ALTER TABLE t ALTER COLUMN name TYPE text;', { given })).toEqual([]);
    expect(rulesOf(lintSql('ALTER TABLE t ALTER COLUMN n TYPE bigint;', { given }))).toEqual(['changing-column-type']);
  });

  it('blames the type change, not the USING, when USING only casts the column to its new type', () => {
    const given = 'CREATE TABLE t (n integer, name varchar(20));';
    const [cast] = lintSql('ALTER TABLE t ALTER COLUMN n TYPE bigint USING n::bigint;', { given });
    expect(cast?.message).toContain('int4 → int8 is not binary-coercible');
    expect(cast?.message).not.toContain('USING');
    const [computed] = lintSql('ALTER TABLE t ALTER COLUMN n TYPE bigint USING n + 1;', { given });
    expect(computed?.message).toContain('its USING expression is more than a cast of the column');
    expect(lintSql('ALTER TABLE t ALTER COLUMN name TYPE text USING name::text;', { given })).toEqual([]);
  });

  it('counts an unknown old type as unsafe and names the changes that would be safe', () => {
    const [finding] = lintSql('ALTER TABLE t ALTER COLUMN name TYPE text;');
    expect(finding?.rule).toBe('changing-column-type');
    expect(finding?.message).toContain('unknown');
    expect(finding?.message).toContain('varchar(n) → varchar(m ≥ n)');
  });

  it('says in every lock finding which lock it takes on which table and whether the table is rewritten or scanned', () => {
    const [index] = lintSql('CREATE INDEX i ON orders (a);');
    expect(index?.message).toMatch(/SHARE on orders \(blocking writes\).*reads the whole table/);
    const [rewrite] = lintSql('ALTER TABLE orders ADD COLUMN u uuid DEFAULT gen_random_uuid();');
    expect(rewrite?.message).toMatch(/ACCESS EXCLUSIVE on orders \(blocking reads and writes\).*rewrites the whole table/);
    const [scan] = lintSql('ALTER TABLE orders ALTER COLUMN a SET NOT NULL;');
    expect(scan?.message).toMatch(/ACCESS EXCLUSIVE on orders.*scans the whole table/);
  });

  it('lets a file run statement by statement validate what it added NOT VALID', () => {
    const sql = 'ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (u) REFERENCES u (id) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;';
    expect(rulesOf(lintSql(sql))).toEqual(['validate-in-same-transaction']);
    expect(lintSql(`-- airlock:no-transaction\n${sql}`)).toEqual([]);
  });

  it('does not ask for SET lock_timeout or statement_timeout: Airlock sets them itself', () => {
    expect(lintSql('ALTER TABLE t ADD COLUMN c text;')).toEqual([]);
  });

  it('points at the statement, after leading comments', () => {
    const [finding] = lintSql('-- explain\n/* more */\n\n   CREATE INDEX i ON t (a);');
    expect([finding?.line, finding?.column]).toEqual([4, 4]);
  });
});

describe('Airlock directives in lint', () => {
  it('parses batch statements with :lo and :hi and does not ask to batch them', () => {
    const findings = lintSql('-- airlock:batch table=t key=id size=500\nDELETE FROM t WHERE id > :lo AND id <= :hi;');
    expect(findings).toEqual([]);
  });

  it('acknowledges a finding with an allow directive in that file only, keeping its reason', async () => {
    const dir = await migrationDir({
      '0001_a.sql': '-- airlock:allow require-concurrent-index-creation countries holds 250 rows\nCREATE INDEX c_name ON countries (name);',
      '0002_b.sql': 'CREATE INDEX c_code ON countries (code);',
    });
    const result = await lintPaths([dir]);
    expect(result.findings.map((f) => basename(f.file))).toEqual(['0002_b.sql']);
    expect(result.acknowledged.map((a) => [a.rule, a.reason])).toEqual([['require-concurrent-index-creation', 'countries holds 250 rows']]);
  });

  it("accepts squawk's id for the same rule in an allow directive", () => {
    expect(lintSql('-- airlock:allow ban-drop-column unused since 4.2\nALTER TABLE t DROP COLUMN c;')).toEqual([]);
  });

  it('requires a reason in an allow directive', () => {
    const findings = lintSql('-- airlock:allow dropping-table\nDROP TABLE t;');
    expect(rulesOf(findings).sort()).toEqual(['dropping-table', 'invalid-directive']);
  });

  it('reports an allow that matches nothing, and suggests the id meant', () => {
    const [unused, unknown] = lintSql('-- airlock:allow dropping-table gone\n-- airlock:allow droping-column typo\nSELECT 1;');
    expect(unused?.rule).toBe('unused-allow');
    expect(unused?.severity).toBe('warning');
    expect(unknown?.message).toContain('did you mean dropping-column');
  });

  it('lints down scripts with the destructive rules off, but the lock rules on', async () => {
    const dir = await migrationDir({
      '0001_a.up.sql': 'ALTER TABLE users ADD COLUMN bio text;',
      '0001_a.down.sql': 'ALTER TABLE users DROP COLUMN bio;\nDROP TABLE audit;\nCREATE INDEX users_bio ON users (bio);',
    });
    const { findings } = await lintPaths([dir]);
    expect(findings.map((f) => `${basename(f.file)} ${f.rule}`)).toEqual(['0001_a.down.sql require-concurrent-index-creation']);
  });

  it('reports BEGIN and COMMIT in a file, which the loader refuses, as findings', () => {
    expect(rulesOf(lintSql('BEGIN;\nALTER TABLE t ADD COLUMN c text;\nCOMMIT;'))).toEqual(['transaction-control', 'transaction-control']);
  });

  it('goes on past a file that does not parse, and says where it failed', async () => {
    const dir = await migrationDir({ '0001_bad.sql': 'SELECT 1;\nALTER TABLE t ADD COLUMN;', '0002_good.sql': 'DROP TABLE t;' });
    const { findings } = await lintPaths([dir]);
    expect(findings.map((f) => `${basename(f.file)}:${f.line} ${f.rule}`)).toEqual(['0001_bad.sql:2 syntax-error', '0002_good.sql:1 dropping-table']);
  });
});

describe('ADD PRIMARY KEY USING INDEX, which sets the key columns NOT NULL', () => {
  const attach = 'ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_idx;';
  const notNullFindings = (given: string) => lintSql(attach, { given }).filter((f) => f.rule === 'setting-not-null');

  it('reports a nullable key column: the command scans the table under ACCESS EXCLUSIVE', () => {
    const findings = notNullFindings('CREATE TABLE users (id bigint, email text);\nCREATE UNIQUE INDEX users_id_idx ON users (id);');
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('ADD PRIMARY KEY USING INDEX users_id_idx makes id NOT NULL')]);
    expect(findings[0]!.help).toContain('CHECK (id IS NOT NULL) NOT VALID');
  });

  it('stays quiet when the column is NOT NULL already, by declaration, SET NOT NULL, identity or a validated CHECK', () => {
    for (const given of [
      'CREATE TABLE users (id bigint NOT NULL, email text);',
      'CREATE TABLE users (id bigint, email text);\nALTER TABLE users ALTER COLUMN id SET NOT NULL;',
      'CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY, email text);',
      'CREATE TABLE users (id bigserial, email text);',
      'CREATE TABLE users (id serial8, email text);',
      'CREATE TABLE users (PRIMARY KEY (id), id bigint, email text);\nALTER TABLE users DROP CONSTRAINT users_pkey;',
      'CREATE TABLE users (id bigint, email text, CONSTRAINT id_present CHECK (id IS NOT NULL));',
    ]) {
      expect(notNullFindings(`${given}\nCREATE UNIQUE INDEX users_id_idx ON users (id);`), given).toEqual([]);
    }
  });

  it('follows DROP NOT NULL, renamed columns and renamed indexes', () => {
    expect(notNullFindings('CREATE TABLE users (id bigint NOT NULL);\nALTER TABLE users ALTER COLUMN id DROP NOT NULL;\nCREATE UNIQUE INDEX users_id_idx ON users (id);')).toHaveLength(1);
    expect(notNullFindings('CREATE TABLE users (uid bigint);\nCREATE UNIQUE INDEX users_id_idx ON users (uid);\nALTER TABLE users RENAME COLUMN uid TO id;').map((f) => f.message)).toEqual([expect.stringContaining('makes id NOT NULL')]);
    expect(notNullFindings('CREATE TABLE users (uid bigint NOT NULL);\nALTER TABLE users RENAME COLUMN uid TO id;\nCREATE UNIQUE INDEX users_id_idx ON users (id);')).toEqual([]);
    expect(notNullFindings('CREATE TABLE users (id bigint);\nCREATE UNIQUE INDEX tmp ON users (id);\nALTER INDEX tmp RENAME TO users_id_idx;')).toHaveLength(1);
  });

  it('finds the index in the schema of a table outside public', () => {
    const findings = lintSql('ALTER TABLE app.users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_idx;', {
      given: 'CREATE SCHEMA app;\nCREATE TABLE app.users (id bigint);\nCREATE UNIQUE INDEX users_id_idx ON app.users (id);',
    });
    expect(findings.filter((f) => f.rule === 'setting-not-null').map((f) => f.message)).toEqual([expect.stringContaining('makes id NOT NULL')]);
  });

  it('remembers which column a CHECK (col IS NOT NULL) covers when a later migration validates it, whatever its name', () => {
    const given = 'CREATE TABLE users (id bigint, phone text);\nALTER TABLE users ADD CONSTRAINT present CHECK (phone IS NOT NULL) NOT VALID;';
    const findings = lintSql('ALTER TABLE users VALIDATE CONSTRAINT present;\nALTER TABLE users ALTER COLUMN phone SET NOT NULL;', { given });
    expect(findings.filter((f) => f.rule === 'setting-not-null')).toEqual([]);
  });

  it('does not report SET NOT NULL on a column that is NOT NULL already', () => {
    expect(lintSql('ALTER TABLE users ALTER COLUMN id SET NOT NULL;', { given: 'CREATE TABLE users (id bigint NOT NULL);' }).filter((f) => f.rule === 'setting-not-null')).toEqual([]);
    expect(lintSql('ALTER TABLE users ALTER COLUMN id SET NOT NULL;', { given: 'CREATE TABLE users (id bigint);' }).filter((f) => f.rule === 'setting-not-null')).toHaveLength(1);
  });

  it('says nothing when it does not know the index or its columns', () => {
    expect(notNullFindings('CREATE TABLE users (id bigint);')).toEqual([]);
    expect(notNullFindings('CREATE TABLE users (id bigint);\nCREATE UNIQUE INDEX users_id_idx ON users ((id + 0));')).toEqual([]);
  });
});


describe('finding positions', () => {
  it('point at the clause at fault in a long statement, not at its first line, counting characters after multi-byte text', () => {
    const sql = [
      "-- Ünïcödé comment: positions are characters, the parser's are bytes",
      'ALTER TABLE users',
      '  ADD COLUMN nickname text,',
      "  ADD COLUMN créé_at timestamptz DEFAULT clock_timestamp(),",
      '  ADD CONSTRAINT users_age CHECK (age > 0);',
      'CREATE TABLE ünits (',
      '  id bigint PRIMARY KEY,',
      '  payload json',
      ');',
    ].join('\n');
    const at = (rule: string) => lintSql(sql).filter((f) => f.rule === rule).map((f) => `${f.line}:${f.column}`);
    expect(at('adding-volatile-default')).toEqual(['4:14']);
    expect(at('check-constraint-missing-not-valid')).toEqual(['5:7']);
    expect(at('prefer-jsonb')).toEqual(['8:11']);
  });

  it('fall back to the statement for a clause the parser gives no position', () => {
    expect(lintSql('SELECT 1;\nALTER TABLE users\n  ALTER COLUMN phone SET NOT NULL;').filter((f) => f.rule === 'setting-not-null').map((f) => `${f.line}:${f.column}`)).toEqual(['2:1']);
  });
});
