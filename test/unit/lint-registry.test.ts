import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../../lambdas/engine/lint/rules/index.ts';

const root = join(import.meta.dirname, '..', '..');
const ruleDir = join(root, 'lambdas', 'engine', 'lint', 'rules');

describe('the rule registry', () => {
  it('registers every rule file, under the id its file is named after', async () => {
    const files = readdirSync(ruleDir).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    const registered = new Set(rules.map((r) => r.id));
    for (const file of files) {
      const module = (await import(join(ruleDir, file))) as Record<string, { id?: string }>;
      const exported = Object.values(module).filter((v) => typeof v?.id === 'string');
      expect(exported.map((r) => r.id), file).toEqual([file.replace(/\.ts$/, '')]);
      expect(registered.has(exported[0]!.id!), `${file} is not in rules/index.ts`).toBe(true);
    }
    expect(rules.length).toBe(files.length);
  });

  it('gives every rule a unique kebab-case id, and aliases no other rule id', () => {
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of rules) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      for (const alias of r.aliases ?? []) expect(ids).not.toContain(alias);
    }
  });

  it('documents every rule in docs/rules/<id>.md with the problem, the safe alternative and an example', () => {
    for (const r of rules) {
      const page = join(root, 'docs', 'rules', `${r.id}.md`);
      expect(existsSync(page), page).toBe(true);
      const text = readFileSync(page, 'utf8');
      expect(text.startsWith(`# ${r.id}\n`), `${r.id}.md title`).toBe(true);
      for (const heading of ['## Problem', '## Safe alternative', '## Example']) expect(text, `${r.id}.md: ${heading}`).toContain(heading);
    }
  });

  it('has no docs page for a rule that does not exist', () => {
    const pages = readdirSync(join(root, 'docs', 'rules')).filter((f) => f.endsWith('.md'));
    expect(pages.map((p) => p.replace(/\.md$/, '')).sort()).toEqual(rules.map((r) => r.id).sort());
  });

  it('lists every rule in the table of docs/lint.md, linked to its page', () => {
    const lint = readFileSync(join(root, 'docs', 'lint.md'), 'utf8');
    for (const r of rules) expect(lint, r.id).toContain(`[${r.id}](rules/${r.id}.md)`);
  });
});
