import { listVersions } from '../../migrations/ledger-drift.ts';
import { pass, verdict, type PreflightCheck } from '../types.ts';

export const ledgerFiles: PreflightCheck = {
  id: 'ledger-files',
  title: 'Ledger versus migration files',
  async run(ctx) {
    const { changed, missing, outOfOrder, pending, applied } = ctx.ledger;
    const details = {
      applied: applied.length,
      pending: pending.map((m) => ({ version: m.version, name: m.name })),
      changed: changed.map(({ version, name, file }) => ({ version, name, file })),
      missing: missing.map(({ version, name }) => ({ version, name })),
      outOfOrder: outOfOrder.map((m) => ({ version: m.version, name: m.name })),
    };
    if (changed.length > 0) {
      return verdict('ledger-files', 'fail', `applied ${changed.length === 1 ? 'migration' : 'migrations'} changed since they ran: ${changed.map((c) => `${c.version} (${c.file})`).join(', ')}`,
        'Restore the applied files from version control; put new changes in a new migration.', details);
    }
    if (missing.length > 0) {
      return verdict('ledger-files', 'fail', `applied but missing from ${ctx.set.dir}: ${listVersions(missing)}`, 'Restore the missing files, or point --dir at the directory these migrations came from.', details);
    }
    if (outOfOrder.length > 0) {
      const status = ctx.thresholds.ledger.allowOutOfOrder ? 'warn' : 'fail';
      return verdict('ledger-files', status, `pending below the highest applied version ${applied[applied.length - 1]?.version}: ${listVersions(outOfOrder)}`,
        'Renumber them above the highest applied version, or allow out-of-order runs on purpose.', details);
    }
    if (pending.length === 0) return pass('ledger-files', `nothing pending; ${applied.length} applied`, details);
    return pass('ledger-files', `${pending.length} pending: ${listVersions(pending)}`, details);
  },
};
