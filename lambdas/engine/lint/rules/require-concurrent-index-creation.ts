import { relationName } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { impactSentence } from '../wording.ts';

export const requireConcurrentIndexCreation: Rule = {
  id: 'require-concurrent-index-creation',
  severity: 'error',
  summary: 'CREATE [UNIQUE] INDEX without CONCURRENTLY on an existing table blocks writes for the whole build',
  softensOnSmallTables: true,
  check({ stmt, effect, schema }) {
    if (stmt.kind !== 'IndexStmt' || stmt.node.concurrent) return [];
    const n = stmt.node;
    const table = relationName(n.relation);
    // ON ONLY builds nothing: the first step of indexing a partitioned table safely.
    if (n.relation?.inh !== true || schema.isNewTable(table)) return [];
    const kind = n.unique ? 'CREATE UNIQUE INDEX' : 'CREATE INDEX';
    const name = n.idxname ? ` ${n.idxname}` : '';
    const help = schema.isPartitioned(table)
      ? `${table} is partitioned, and a partitioned table cannot be indexed CONCURRENTLY: create the index ON ONLY ${table} (catalog only, left invalid), then CREATE ${n.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY on each partition in a migration of its own, then ALTER INDEX <parent index> ATTACH PARTITION <partition index> for each; the parent index becomes valid when all are attached.`
      : `Use ${kind} CONCURRENTLY${name} ON ${table} …: it takes SHARE UPDATE EXCLUSIVE, so reads and writes continue during the build. Airlock runs it outside a transaction by itself; keep it in a migration of its own so the other statements keep theirs, and if it fails Airlock finds and rebuilds the INVALID index it leaves.`;
    return [{ table, message: `${impactSentence(`${kind}${name}`, effect, table)}; every write to ${table} waits until the build ends.`, help }];
  },
};
