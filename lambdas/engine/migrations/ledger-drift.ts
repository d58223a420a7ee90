import type { AppliedMigration } from '../ledger.ts';
import { compareVersions, type Migration, type MigrationSet } from './load.ts';

/** How the ledger and the migration files disagree, if they do. */
export interface LedgerComparison {
  readonly applied: readonly AppliedMigration[];
  /** Files not applied yet, ascending. */
  readonly pending: readonly Migration[];
  /** Pending versions lower than the highest applied one: applying them would run out of order. */
  readonly outOfOrder: readonly Migration[];
  /** Applied migrations whose up file changed since (checksum differs). */
  readonly changed: ReadonlyArray<{ readonly version: string; readonly name: string; readonly file: string; readonly recorded: string; readonly actual: string }>;
  /** Applied migrations with no file in the directory. */
  readonly missing: readonly AppliedMigration[];
}

export function compareLedger(applied: readonly AppliedMigration[], set: MigrationSet): LedgerComparison {
  const files = new Map(set.migrations.map((m) => [m.version, m]));
  const appliedVersions = new Set(applied.map((a) => a.version));
  const highest = applied.reduce<string | undefined>((max, a) => (max === undefined || compareVersions(a.version, max) > 0 ? a.version : max), undefined);
  const pending = set.migrations.filter((m) => !appliedVersions.has(m.version));
  return {
    applied,
    pending,
    outOfOrder: highest === undefined ? [] : pending.filter((m) => compareVersions(m.version, highest) < 0),
    changed: applied
      .filter((a) => files.has(a.version) && files.get(a.version)!.up.checksum !== a.checksum)
      .map((a) => ({ version: a.version, name: a.name, file: files.get(a.version)!.up.file, recorded: a.checksum, actual: files.get(a.version)!.up.checksum })),
    missing: applied.filter((a) => !files.has(a.version)),
  };
}

/** `3 (add_index), 4 (backfill)`: short enough for a one-line message. */
export function listVersions(items: ReadonlyArray<{ version: string; name: string }>, max = 5): string {
  const shown = items.slice(0, max).map((m) => `${m.version} (${m.name})`);
  return items.length > max ? `${shown.join(', ')} and ${items.length - max} more` : shown.join(', ');
}
