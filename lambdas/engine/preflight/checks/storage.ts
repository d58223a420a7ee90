import type pg from 'pg';
import { describeEffect, relationName } from '../../sql/effects.ts';
import { humanBytes, pass, verdict, type PreflightCheck, type PreflightContext } from '../types.ts';

/** What one pending statement needs on disk while it runs. */
export interface StorageNeed {
  readonly version: string;
  readonly file: string;
  readonly line: number;
  readonly table: string;
  readonly work: 'build' | 'rewrite';
  readonly bytes: number;
  readonly basis: string;
}

interface RelationSize {
  readonly relkind: string;
  readonly heap: number;
  readonly total: number;
  readonly tuples: number;
}

/**
 * Space the pending migrations need beyond what the database holds now, from the statement
 * effects (sql/effects.ts) and the current sizes of the tables they touch:
 * - a rewrite (volatile default, type change, VACUUM FULL, CLUSTER…) writes a new copy of the table
 *   and its indexes before the old one is freed, plus about as much WAL: 2 × total relation size;
 * - an index build writes the index, spills its sort to temporary files first when the data
 *   exceeds maintenance_work_mem, and logs it to WAL: 3 × the estimated index size, where the
 *   index size is rows × (average width of its key columns from pg_stats + 16 bytes) / 0.9 fill,
 *   or half the table when the table was never analyzed or the index is on expressions.
 * Tables created earlier in the same run are empty and need nothing. WAL shares the data volume
 * on RDS, which is why it is counted.
 */
export async function estimateStorage(ctx: Pick<PreflightContext, 'client' | 'ledger'>): Promise<StorageNeed[]> {
  const created = new Set<string>();
  const sizes = new Map<string, RelationSize | null>();
  const needs: StorageNeed[] = [];
  for (const m of ctx.ledger.pending) {
    for (const s of m.up.statements) {
      const effect = describeEffect(s, { isNewTable: (t) => created.has(t) });
      if (s.kind === 'CreateStmt' || s.kind === 'CreateTableAsStmt') created.add(relationName(s.node.relation ?? s.node.into?.rel));
      for (const part of effect.parts) {
        if (!part.table || (part.work !== 'build' && part.work !== 'rewrite')) continue;
        if (!sizes.has(part.table)) sizes.set(part.table, await relationSize(ctx.client, part.table));
        const size = sizes.get(part.table);
        if (!size) continue;
        const at = { version: m.version, file: m.up.file, line: s.line, table: part.table };
        if (part.work === 'rewrite') {
          needs.push({ ...at, work: 'rewrite', bytes: 2 * size.total, basis: `rewrite: 2 × ${humanBytes(size.total)} (table, indexes and WAL)` });
          continue;
        }
        const index = await indexSize(ctx.client, part.table, size, s.kind === 'IndexStmt' ? s.node : undefined);
        needs.push({ ...at, work: 'build', bytes: 3 * index.bytes, basis: `index build: 3 × ${humanBytes(index.bytes)} (${index.basis}; sort spill, index and WAL)` });
      }
    }
  }
  return needs;
}

function regclassText(table: string): string {
  return table.split('.').map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
}

async function relationSize(client: pg.Client, table: string): Promise<RelationSize | null> {
  const { rows } = await client.query(
    `SELECT c.relkind::text AS relkind, pg_relation_size(c.oid)::float8 AS heap, pg_total_relation_size(c.oid)::float8 AS total, c.reltuples::float8 AS tuples
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [regclassText(table)],
  );
  return rows[0] ?? null;
}

async function indexSize(client: pg.Client, table: string, size: RelationSize, indexStmt: Record<string, any> | undefined): Promise<{ bytes: number; basis: string }> {
  if (size.relkind === 'i') return { bytes: size.heap, basis: 'the current index size' };
  if (size.relkind === 'm' && !indexStmt) return { bytes: size.total, basis: 'the materialized view size' };
  const columns: Array<string | undefined> = (indexStmt?.indexParams ?? []).map((p: any) => p.IndexElem?.name);
  if (indexStmt && size.tuples > 0 && columns.length > 0 && columns.every((c) => c !== undefined)) {
    const [schema, name] = table.includes('.') ? table.split('.') : [undefined, table];
    const { rows } = await client.query(
      `SELECT attname, avg_width FROM pg_stats WHERE tablename = $1 AND schemaname = coalesce($2, (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($3))) AND attname = ANY($4)`,
      [name, schema ?? null, regclassText(table), columns],
    );
    const widths = new Map(rows.map((r) => [r.attname as string, Number(r.avg_width)]));
    if (columns.every((c) => widths.has(c!))) {
      const width = columns.reduce((sum, c) => sum + widths.get(c!)!, 0);
      return { bytes: (size.tuples * (width + 16)) / 0.9, basis: `${Math.round(size.tuples)} rows × ${width + 16} bytes` };
    }
  }
  return { bytes: size.heap / 2, basis: 'half the table: no column statistics' };
}

export const storage: PreflightCheck = {
  id: 'storage',
  title: 'Free storage versus what pending migrations need',
  async run(ctx) {
    const needs = await estimateStorage(ctx);
    const needBytes = needs.reduce((sum, n) => sum + n.bytes, 0);
    const details = { needBytes, needs };
    if (needBytes === 0) return pass('storage', 'the pending migrations build or rewrite nothing that needs space', details);
    const free = ctx.freeStorageBytes ? await ctx.freeStorageBytes(ctx.client) : undefined;
    const need = `the pending migrations need about ${humanBytes(needBytes)} (${needs.length} index build${needs.length === 1 ? '' : 's'} or rewrite${needs.length === 1 ? '' : 's'})`;
    if (free === undefined) {
      return verdict('storage', 'warn', `${need}; free storage is unknown here`, 'Check free storage yourself (RDS: the FreeStorageSpace metric) before migrating.', details);
    }
    const share = needBytes / Math.max(1, free);
    const message = `${need}, ${Math.round(share * 100)}% of the ${humanBytes(free)} free`;
    const { warnRatio, failRatio } = ctx.thresholds.storage;
    if (share <= warnRatio) return pass('storage', message, { ...details, freeBytes: free });
    return verdict('storage', share > failRatio ? 'fail' : 'warn', message,
      'Grow the storage (RDS: modify allocated storage) or free space before migrating; running out mid-build stops every write.', { ...details, freeBytes: free });
  },
};
