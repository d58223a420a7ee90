import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scriptFromText } from '../../lambdas/engine/migrations/load.ts';
import { loadParser } from '../../lambdas/engine/sql/parse.ts';
import { corpusPath, listCorpusFiles, readManifest } from '../support/lint-corpus.ts';

beforeAll(() => loadParser());

describe('the lint corpus manifest', () => {
  const manifest = readManifest();

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
