import type pg from 'pg';
import { InputError, type InputProblem } from '../errors.ts';
import type { Migration } from './migrations/load.ts';

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
  if (kind === 'ReindexStmt' && (node.params ?? []).some((p: any) => p.DefElem?.defname === 'concurrently')) return { feature: 'REINDEX CONCURRENTLY', since: 120000, instead: NON_CONCURRENT };
  if (kind === 'AlterTableStmt') {
    for (const c of (node.cmds ?? []).map((x: any) => x.AlterTableCmd)) {
      if (c?.subtype === 'AT_DetachPartition' && c.def?.PartitionCmd?.concurrent) return { feature: 'DETACH PARTITION CONCURRENTLY', since: 140000, instead: NON_CONCURRENT };
      if (c?.subtype === 'AT_DetachPartitionFinalize') return { feature: 'DETACH PARTITION … FINALIZE', since: 140000, instead: 'it only completes a concurrent detach, which this server cannot start; upgrade first' };
    }
  }
  if (kind === 'MergeStmt') return { feature: 'MERGE', since: 150000, instead: 'use INSERT … ON CONFLICT (or separate UPDATE and INSERT statements), or upgrade first' };
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
