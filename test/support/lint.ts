import { lintableFromText, lintScript } from '../../lambdas/engine/lint/engine.ts';
import { SchemaTracker } from '../../lambdas/engine/lint/schema.ts';
import type { Finding } from '../../lambdas/engine/lint/types.ts';
import type { ScriptRole } from '../../lambdas/engine/migrations/load.ts';

/**
 * Lints `sql` as one migration file. `given` is SQL from migrations already applied: it tells the
 * linter about existing tables (not new ones) and reports nothing.
 */
export function lintSql(sql: string, opts: { given?: string; role?: ScriptRole } = {}): Finding[] {
  const schema = new SchemaTracker();
  if (opts.given) lintScript(lintableFromText('given.sql', 'up', opts.given), schema, false);
  return lintScript(lintableFromText('m.sql', opts.role ?? 'up', sql), schema, true).findings;
}
