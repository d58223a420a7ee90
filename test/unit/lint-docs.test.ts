import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintPaths } from '../../lambdas/engine/lint/index.ts';
import { rules } from '../../lambdas/engine/lint/rules/index.ts';
import { loadParser } from '../../lambdas/engine/sql/parse.ts';
import { migrationDir } from '../support/migration-dir.ts';

beforeAll(() => loadParser());

const docs = join(import.meta.dirname, '..', '..', 'docs', 'rules');

/** The SQL blocks after "Reported:" and "Instead:" on a rule's page. */
function examples(id: string): { reported: string; instead: string } {
  const text = readFileSync(join(docs, `${id}.md`), 'utf8');
  const block = (label: string): string => new RegExp(`${label}:\\n\\n\`\`\`sql\\n([\\s\\S]*?)\\n\`\`\``).exec(text)?.[1] ?? '';
  return { reported: block('Reported'), instead: block('Instead') };
}

/** An example is one migration, or several each opened by a `-- NNNN_name.sql` line. */
async function lintExample(sql: string) {
  const parts = sql.split(/^(?=-- \d{4}_[a-z0-9_]+\.sql$)/m);
  const files: Record<string, string> = {};
  parts.forEach((part, i) => {
    const name = /^-- (\d{4}_[a-z0-9_]+\.sql)$/m.exec(part)?.[1] ?? `${String(i + 1).padStart(4, '0')}_example.sql`;
    files[name] = part;
  });
  return (await lintPaths([await migrationDir(files)])).findings;
}

describe('the examples on the rule pages', () => {
  for (const rule of rules) {
    it(`${rule.id}: the reported example raises it and the safe one does not`, async () => {
      const { reported, instead } = examples(rule.id);
      expect((await lintExample(reported)).map((f) => f.rule)).toContain(rule.id);
      expect((await lintExample(instead)).map((f) => f.rule)).not.toContain(rule.id);
    });
  }
});
