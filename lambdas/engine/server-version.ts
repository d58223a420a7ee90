import type pg from 'pg';
import { InputError, type InputProblem } from '../errors.ts';
import type { Migration } from './migrations/load.ts';
import { isConcurrentReindex, isNotEnforcedForm, isVirtual } from './sql/effects.ts';

export interface ServerVersion {
  /** server_version_num, e.g. 170004. */
  readonly num: number;
  readonly text: string;
}

/** The oldest PostgreSQL that RDS and Aurora still offer, and so the oldest Airlock supports. */
export const MINIMUM_SERVER_VERSION = 130000;

export async function serverVersion(client: pg.Client): Promise<ServerVersion> {
  const { rows } = await client.query(`SELECT current_setting('server_version_num')::int AS num, current_setting('server_version') AS text`);
  return { num: rows[0].num, text: rows[0].text };
}

const NON_CONCURRENT = 'use the non-concurrent form in a maintenance window or upgrade first';

/** Statements whose availability depends on the server version: the feature, the first version with it, and what to do instead. */
function requiredVersion(kind: string, node: Record<string, any>): { feature: string; since: number; instead: string } | undefined {
  if (kind === 'ReindexStmt' && isConcurrentReindex(node)) return { feature: 'REINDEX CONCURRENTLY', since: 120000, instead: NON_CONCURRENT };
  if (kind === 'AlterTableStmt') {
    for (const c of (node.cmds ?? []).map((x: any) => x.AlterTableCmd)) {
      if (c?.subtype === 'AT_DetachPartition' && c.def?.PartitionCmd?.concurrent) return { feature: 'DETACH PARTITION CONCURRENTLY', since: 140000, instead: NON_CONCURRENT };
      if (c?.subtype === 'AT_DetachPartitionFinalize') return { feature: 'DETACH PARTITION … FINALIZE', since: 140000, instead: 'it only completes a concurrent detach, which this server cannot start; upgrade first' };
    }
  }
  if (kind === 'MergeStmt') return { feature: 'MERGE', since: 150000, instead: 'use INSERT … ON CONFLICT (or separate UPDATE and INSERT statements), or upgrade first' };
  const pg18 = postgres18Feature(kind, node);
  if (pg18) return { ...pg18, since: 180000 };
  return undefined;
}

const OLDER_NOT_NULL = "use ALTER COLUMN … SET NOT NULL (on a large table after a validated CHECK (col IS NOT NULL), see 'setting-not-null'), or upgrade first";

/** Syntax that PostgreSQL 18's grammar added and older servers refuse. */
function postgres18Feature(kind: string, node: Record<string, any>): { feature: string; instead: string } | undefined {
  // Table-level constraints are where NOT NULL name/NOT ENFORCED/temporal keys are written.
  const tableConstraints: any[] = [];
  const columns: any[] = [];
  const altered: any[] = [];
  if (kind === 'CreateStmt') {
    for (const e of node.tableElts ?? []) {
      if (e.Constraint) tableConstraints.push(e.Constraint);
      if (e.ColumnDef) columns.push(e.ColumnDef);
    }
  }
  if (kind === 'AlterTableStmt') {
    for (const c of (node.cmds ?? []).map((x: any) => x.AlterTableCmd)) {
      if (c?.subtype === 'AT_AddConstraint' && c.def?.Constraint) tableConstraints.push(c.def.Constraint);
      if (c?.subtype === 'AT_AddColumn' && c.def?.ColumnDef) columns.push(c.def.ColumnDef);
      if (c?.subtype === 'AT_AlterConstraint' && c.def?.ATAlterConstraint) altered.push(c.def.ATAlterConstraint);
    }
  }
  for (const k of tableConstraints) {
    if (k.contype === 'CONSTR_NOTNULL') return { feature: `ADD CONSTRAINT … NOT NULL ${k.keys?.[0]?.String?.sval ?? ''}${k.skip_validation ? ' NOT VALID' : ''}`.replace('  ', ' '), instead: OLDER_NOT_NULL };
    if (isNotEnforcedForm(k)) return { feature: 'a NOT ENFORCED constraint', instead: 'add the constraint NOT VALID instead (new rows are then checked), or upgrade first' };
    if (k.without_overlaps || k.fk_with_period || k.pk_with_period) return { feature: 'a temporal key (WITHOUT OVERLAPS / PERIOD)', instead: 'use an EXCLUDE USING gist constraint, or upgrade first' };
  }
  for (const def of columns) {
    const constraints: any[] = (def.constraints ?? []).map((x: any) => x.Constraint).filter(Boolean);
    if (constraints.some((k) => k.contype === 'CONSTR_GENERATED' && isVirtual(k))) return { feature: `the VIRTUAL generated column ${def.colname} (GENERATED ALWAYS AS (…) without STORED is VIRTUAL from 18 on)`, instead: 'write GENERATED ALWAYS AS (…) STORED (it rewrites the table), compute the value in a view, or upgrade first' };
    if (constraints.some((k) => k.contype === 'CONSTR_ATTR_NOT_ENFORCED' || k.contype === 'CONSTR_ATTR_ENFORCED')) return { feature: `[NOT] ENFORCED on column ${def.colname}`, instead: 'leave it out (constraints are always enforced before 18), or upgrade first' };
  }
  for (const a of altered) {
    if (a.alterEnforceability) return { feature: `ALTER CONSTRAINT ${a.conname} ${a.is_enforced ? 'ENFORCED' : 'NOT ENFORCED'}`, instead: 'drop and re-add the constraint, or upgrade first' };
    if (a.alterInheritability) return { feature: `ALTER CONSTRAINT ${a.conname} ${a.noinherit ? 'NO INHERIT' : 'INHERIT'}`, instead: 'upgrade first' };
  }
  if ((kind === 'InsertStmt' || kind === 'UpdateStmt' || kind === 'DeleteStmt' || kind === 'MergeStmt') && (node.returningClause?.options ?? []).length > 0) {
    return { feature: 'RETURNING WITH (OLD/NEW AS …)', instead: 'upgrade first' };
  }
  return undefined;
}

/**
 * Refuses, before anything changes, a server older than Airlock supports or a pending statement
 * the server cannot run, naming the file and line.
 */
export function checkServerSupports(version: ServerVersion, pending: readonly Migration[], direction: 'up' | 'down' = 'up'): void {
  if (version.num < MINIMUM_SERVER_VERSION) {
    throw new InputError([{ file: 'server', message: `PostgreSQL ${version.text} is older than 13, the oldest version Airlock supports (and RDS offers); upgrade the server first.` }]);
  }
  const problems: InputProblem[] = [];
  for (const m of pending) {
    const script = direction === 'up' ? m.up : m.down;
    for (const s of script?.statements ?? []) {
      const need = requiredVersion(s.kind, s.node);
      if (need && version.num < need.since) {
        problems.push({
          file: script!.file,
          line: s.line,
          column: s.column,
          message: `${need.feature} needs PostgreSQL ${need.since / 10000}+, and this server is ${version.text}; ${need.instead}.`,
        });
      }
    }
  }
  if (problems.length > 0) throw new InputError(problems);
}
