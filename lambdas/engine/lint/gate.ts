import type pg from 'pg';
import { InputError, LintGateError } from '../../errors.ts';
import type { MigrationSet } from '../migrations/load.ts';
import { lintMigrationSet } from './index.ts';
import { isKnownRuleId, ruleAnswersTo, rulesById } from './rules/index.ts';
import type { Finding } from './types.ts';

export interface GateOptions {
  /** Versions about to be applied; every other migration of the set counts as applied. */
  readonly pendingVersions: readonly string[];
  /** Rule ids to let through for this run (`--allow-unsafe RULE-ID`); the run's record must say so. */
  readonly allowUnsafe?: readonly string[];
  /** The database about to be migrated: column types, validated checks and table sizes come from it (read only). */
  readonly client?: pg.Client;
}

export interface GateResult {
  /** Unacknowledged error findings: applying must not start while any remains. */
  readonly blocking: Finding[];
  /** Error findings let through by allowUnsafe for this run. */
  readonly overridden: Finding[];
}

/**
 * Lints the up scripts of the pending migrations before anything is applied, with the whole set as
 * context: applied migrations' tables exist (and may hold rows), tables created by an earlier
 * pending migration are new. Warnings never block; allow directives in the files acknowledge.
 */
export async function lintGate(set: MigrationSet, opts: GateOptions): Promise<GateResult> {
  const unknown = (opts.allowUnsafe ?? []).filter((id) => !isKnownRuleId(id));
  if (unknown.length > 0) {
    throw new InputError(unknown.map((id) => ({ file: '--allow-unsafe', message: `'${id}' is not a lint rule id; see docs/lint.md for the list (e.g. require-concurrent-index-creation).` })));
  }
  const pending = new Set(opts.pendingVersions);
  const appliedVersions = set.migrations.map((m) => m.version).filter((v) => !pending.has(v));
  const { findings } = await lintMigrationSet(set, { appliedVersions, includeDown: false, ...(opts.client && { client: opts.client }) });
  const allowed = (f: Finding): boolean => (opts.allowUnsafe ?? []).some((id) => ruleAnswersTo(rulesById.get(f.rule)!, id));
  const errors = findings.filter((f) => f.severity === 'error');
  return { blocking: errors.filter((f) => !allowed(f)), overridden: errors.filter(allowed) };
}

/** The error `apply` throws when the gate blocks: every finding on its own line, and how to proceed. */
function lintGateError(blocking: readonly Finding[]): LintGateError {
  const lines = blocking.map((f) => `  ${f.file}:${f.line}:${f.column} ${f.rule} ${f.message}`);
  const ids = [...new Set(blocking.map((f) => f.rule))];
  return new LintGateError(
    `the lint gate found ${blocking.length} unsafe statement${blocking.length === 1 ? '' : 's'}; nothing was applied:\n${lines.join('\n')}\n` +
      `Make them safe (airlock lint shows how), acknowledge each in its file with '-- airlock:allow <rule-id> <reason>', or override for this run with ${ids.map((id) => `--allow-unsafe ${id}`).join(' ')}.`,
  );
}

/**
 * The `gate` option of `apply()`: lints the pending migrations on the run's own connection, throws
 * {@link lintGateError} when anything blocks, and returns the rule ids overridden for this run
 * (apply records them in airlock.runs).
 */
export function gateForApply(set: MigrationSet, allowUnsafe: readonly string[] = []): (pending: readonly { version: string }[], client: pg.Client) => Promise<readonly string[]> {
  return async (pending, client) => {
    const { blocking, overridden } = await lintGate(set, { pendingVersions: pending.map((m) => m.version), allowUnsafe, client });
    if (blocking.length > 0) throw lintGateError(blocking);
    return [...new Set(overridden.map((f) => f.rule))];
  };
}
