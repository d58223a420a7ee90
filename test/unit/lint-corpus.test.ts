import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintPaths } from '../../lambdas/engine/lint/index.ts';
import { scriptFromText } from '../../lambdas/engine/migrations/load.ts';
import { loadParser } from '../../lambdas/engine/sql/parse.ts';
import { corpusPath, listCorpusFiles, readManifest, type CorpusEntry } from '../support/lint-corpus.ts';

// The lint corpus is the linter's measuring stick: every unsafe migration must draw at least one
// error, every safe one none (warnings are allowed). Each file is linted alone, as `airlock lint`
// would, without a database.

beforeAll(() => loadParser());

const manifest = readManifest();

describe('the lint corpus manifest', () => {
  it('lists every .sql file of the corpus, and only those', () => {
    const listed = manifest.map((e) => e.file).sort();
    expect(listed).toEqual(listCorpusFiles());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('holds at least 45 unsafe and 45 safe migrations', () => {
    expect(manifest.filter((e) => !e.safe).length).toBeGreaterThanOrEqual(45);
    expect(manifest.filter((e) => e.safe).length).toBeGreaterThanOrEqual(45);
  });

  it('files each migration under the folder its verdict names, as <nn>-<slug>.sql', () => {
    const misplaced = manifest.filter((e) => !new RegExp(`^${e.safe ? 'safe' : 'unsafe'}/\\d{2}-[a-z0-9-]+\\.sql$`).test(e.file));
    expect(misplaced).toEqual([]);
  });

  it('tags every migration with at least one class, and every unsafe one with the rule it expects', () => {
    expect(manifest.filter((e) => e.classes.length === 0)).toEqual([]);
    expect(manifest.filter((e) => !e.safe && !e.expectRule)).toEqual([]);
  });

  it('opens every file with a one-line comment saying what it is and why', () => {
    const bare = manifest.filter((e) => !/^-- \S.{20,}\n/.test(readFileSync(corpusPath(e), 'utf8')));
    expect(bare).toEqual([]);
  });

  it('writes every file in SQL that the PostgreSQL parser accepts', () => {
    const broken = manifest.filter((e) => scriptFromText(e.file, 'up', readFileSync(corpusPath(e), 'utf8'), '', []) === undefined);
    expect(broken).toEqual([]);
  });
});

describe('lintPaths on the lint corpus', () => {
  const errorsFor = async (entry: CorpusEntry): Promise<string[]> => {
    const { findings } = await lintPaths([corpusPath(entry)]);
    return findings.filter((f) => f.severity === 'error').map((f) => `${f.rule}: ${f.message}`);
  };
  for (const entry of manifest.filter((e) => !e.safe)) {
    it(`reports an error for ${entry.file} (expected rule: ${entry.expectRule})`, async () => {
      expect(await errorsFor(entry)).not.toEqual([]);
    });
  }
  for (const entry of manifest.filter((e) => e.safe)) {
    it(`reports no error for ${entry.file}`, async () => {
      expect(await errorsFor(entry)).toEqual([]);
    });
  }
});
