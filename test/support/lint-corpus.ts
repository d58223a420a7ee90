import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The lint corpus: migrations known to be safe or unsafe, the linter's measuring stick. */
export const corpusDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'lint-corpus');

export interface CorpusEntry {
  /** Path relative to {@link corpusDir}, e.g. `unsafe/01-create-index.sql`. */
  readonly file: string;
  /** True when nothing in the file blocks or breaks production; false when something does. */
  readonly safe: boolean;
  /** Short tags for what the file exercises (`index`, `rewrite`, `lowercase`…). */
  readonly classes: readonly string[];
  /** Best guess of the rule id a linter should raise (squawk-like names); only a hint. */
  readonly expectRule?: string;
  /** SQLSTATE the file fails with on a real PostgreSQL, when failing is the very point of it. */
  readonly pgError?: string;
  readonly note?: string;
}

export function readManifest(): CorpusEntry[] {
  return JSON.parse(readFileSync(join(corpusDir, 'manifest.json'), 'utf8')) as CorpusEntry[];
}

/** Every `.sql` file under `safe/` and `unsafe/`, relative to {@link corpusDir}, sorted. */
export function listCorpusFiles(): string[] {
  return ['safe', 'unsafe']
    .flatMap((sub) => readdirSync(join(corpusDir, sub)).map((name) => join(corpusDir, sub, name)))
    .filter((path) => path.endsWith('.sql'))
    .map((path) => relative(corpusDir, path))
    .sort();
}

export function corpusPath(entry: Pick<CorpusEntry, 'file'>): string {
  return join(corpusDir, entry.file);
}
