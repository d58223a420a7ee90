import type { Rule } from '../types.ts';
import { addingExclusionConstraint } from './adding-exclusion-constraint.ts';
import { addingRequiredColumn } from './adding-required-column.ts';
import { addingSerialColumn } from './adding-serial-column.ts';
import { addingStoredGeneratedColumn } from './adding-stored-generated-column.ts';
import { addingUniqueOrPrimaryKey } from './adding-unique-or-primary-key.ts';
import { addingVolatileDefault } from './adding-volatile-default.ts';
import { changingColumnType } from './changing-column-type.ts';
import { changingTablePersistence } from './changing-table-persistence.ts';
import { checkConstraintMissingNotValid } from './check-constraint-missing-not-valid.ts';
import { clusterTable } from './cluster-table.ts';
import { concurrentlyInTransaction } from './concurrently-in-transaction.ts';
import { droppingColumn } from './dropping-column.ts';
import { droppingSchema } from './dropping-schema.ts';
import { droppingTable } from './dropping-table.ts';
import { enumValueUsedInSameTransaction } from './enum-value-used-in-same-transaction.ts';
import { foreignKeyMissingNotValid } from './foreign-key-missing-not-valid.ts';
import { invalidDirective } from './invalid-directive.ts';
import { lockTable } from './lock-table.ts';
import { preferBigintKeys } from './prefer-bigint-keys.ts';
import { preferIdentity } from './prefer-identity.ts';
import { preferJsonb } from './prefer-jsonb.ts';
import { preferText } from './prefer-text.ts';
import { preferTimestamptz } from './prefer-timestamptz.ts';
import { renamingColumn } from './renaming-column.ts';
import { renamingTable } from './renaming-table.ts';
import { requireConcurrentDetachPartition } from './require-concurrent-detach-partition.ts';
import { requireConcurrentIndexCreation } from './require-concurrent-index-creation.ts';
import { requireConcurrentIndexDeletion } from './require-concurrent-index-deletion.ts';
import { requireConcurrentRefresh } from './require-concurrent-refresh.ts';
import { requireConcurrentReindex } from './require-concurrent-reindex.ts';
import { settingNotNull } from './setting-not-null.ts';
import { syntaxError } from './syntax-error.ts';
import { transactionControl } from './transaction-control.ts';
import { truncatingTable } from './truncating-table.ts';
import { unbatchedDataChange } from './unbatched-data-change.ts';
import { unusedAllow } from './unused-allow.ts';
import { vacuumFull } from './vacuum-full.ts';
import { validateInSameTransaction } from './validate-in-same-transaction.ts';

/** Every rule, by id. A test checks that each file of this folder is registered here and documented. */
export const rules: readonly Rule[] = [
  addingExclusionConstraint,
  addingRequiredColumn,
  addingSerialColumn,
  addingStoredGeneratedColumn,
  addingUniqueOrPrimaryKey,
  addingVolatileDefault,
  changingColumnType,
  changingTablePersistence,
  checkConstraintMissingNotValid,
  clusterTable,
  concurrentlyInTransaction,
  droppingColumn,
  droppingSchema,
  droppingTable,
  enumValueUsedInSameTransaction,
  foreignKeyMissingNotValid,
  invalidDirective,
  lockTable,
  preferBigintKeys,
  preferIdentity,
  preferJsonb,
  preferText,
  preferTimestamptz,
  renamingColumn,
  renamingTable,
  requireConcurrentDetachPartition,
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  requireConcurrentRefresh,
  requireConcurrentReindex,
  settingNotNull,
  syntaxError,
  transactionControl,
  truncatingTable,
  unbatchedDataChange,
  unusedAllow,
  vacuumFull,
  validateInSameTransaction,
];

export const rulesById: ReadonlyMap<string, Rule> = new Map(rules.map((r) => [r.id, r]));

/** Whether an id written in an allow directive or --allow-unsafe names this rule (its id or a squawk alias). */
export function ruleAnswersTo(rule: Rule, id: string): boolean {
  return rule.id === id || (rule.aliases ?? []).includes(id);
}

/** Whether any rule answers to the id. */
export function isKnownRuleId(id: string): boolean {
  return rules.some((r) => ruleAnswersTo(r, id));
}
