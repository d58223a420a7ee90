import { relationName } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { isJoinOnly, nullTestColumn } from '../ast.ts';
import { lockPhrase } from '../wording.ts';

export const unbatchedDataChange: Rule = {
  id: 'unbatched-data-change',
  severity: 'error',
  summary: 'UPDATE or DELETE of a whole table in one statement holds its row locks and bloats until it commits',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    if (stmt.batched) return [];
    // The statement itself, and any UPDATE or DELETE hidden in its WITH clause.
    const ctes = (stmt.node.withClause?.ctes ?? []).map((c: any) => c.CommonTableExpr?.ctequery).filter(Boolean);
    const changes = [{ [stmt.kind]: stmt.node }, ...ctes]
      .map((q: any) => (q.UpdateStmt ? { kind: 'UpdateStmt', n: q.UpdateStmt } : q.DeleteStmt ? { kind: 'DeleteStmt', n: q.DeleteStmt } : undefined))
      .filter((c): c is { kind: string; n: any } => c !== undefined);
    return changes.flatMap(({ kind, n }) => wholeTableChange(kind, n, schema));
  },
};

/** The finding for one UPDATE or DELETE that touches every row of an existing table, if it does. */
function wholeTableChange(kind: string, n: any, schema: { isNewTable(table: string): boolean }) {
  const table = relationName(n.relation);
  if (schema.isNewTable(table)) return [];
  const verb = kind === 'UpdateStmt' ? 'UPDATE' : 'DELETE';
  const set: string[] = (n.targetList ?? []).map((t: any) => t.ResTarget?.name).filter(Boolean);
  // `UPDATE t SET c = … WHERE c IS NULL` is the classic backfill: it touches every old row.
  const backfill = verb === 'UPDATE' && n.whereClause !== undefined && set.includes(nullTestColumn(n.whereClause, 'IS_NULL') ?? '');
  const join = n.whereClause !== undefined && isJoinOnly(n.whereClause);
  if (n.whereClause !== undefined && !backfill && !join) return [];
  const scope = backfill
    ? `every row where ${nullTestColumn(n.whereClause, 'IS_NULL')} IS NULL (a backfill: all existing rows)`
    : join
      ? 'every row that joins (the WHERE only relates columns, it bounds nothing)'
      : 'every row';
  return [
    {
      table,
      message: `${verb} on ${table} ${lockPhrase('ROW EXCLUSIVE', table)} and ${verb === 'UPDATE' ? 'rewrites' : 'deletes'} ${scope} in one transaction: each row stays locked against other writers until the end, replicas lag, and dead rows pile up.`,
      help: `Batch it: put '-- airlock:batch table=${table} key=id size=1000' at the top of the file (with your key column) and bound the statement with 'WHERE id > :lo AND id <= :hi'${backfill ? ' AND the existing condition' : ''}; Airlock runs and commits it batch by batch, resumable from its cursor.`,
    },
  ];
}
