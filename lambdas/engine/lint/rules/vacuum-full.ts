import { optionEnabled, relationName } from '../../sql/effects.ts';
import type { Rule } from '../types.ts';
import { lockPhrase, workPhrase } from '../wording.ts';

export const vacuumFull: Rule = {
  id: 'vacuum-full',
  severity: 'error',
  summary: 'VACUUM FULL rewrites the table under ACCESS EXCLUSIVE',
  softensOnSmallTables: true,
  check({ stmt, schema }) {
    if (stmt.kind !== 'VacuumStmt' || !stmt.node.is_vacuumcmd) return [];
    if (!optionEnabled(stmt.node.options, 'full')) return [];
    const tables: string[] = (stmt.node.rels ?? []).map((r: any) => relationName(r.VacuumRelation?.relation));
    const targets = tables.length > 0 ? tables.filter((t) => !schema.isNewTable(t)) : [undefined];
    return targets.map((table) => ({
      ...(table !== undefined && { table }),
      message: `VACUUM FULL ${lockPhrase('ACCESS EXCLUSIVE', table ?? 'every table in the database')} ${workPhrase('rewrite')}, and needs room for a second copy.`,
      help: `To give space back without blocking, use pg_repack (supported on RDS and Aurora) or pg_squeeze; plain VACUUM (no FULL) takes SHARE UPDATE EXCLUSIVE and lets reads and writes continue.`,
    }));
  },
};
