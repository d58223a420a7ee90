import { InputError } from '../../../errors.ts';
import { checkServerSupports, MINIMUM_SERVER_VERSION } from '../../server-version.ts';
import { pass, verdict, type PreflightCheck } from '../types.ts';

export const connectivity: PreflightCheck = {
  id: 'connectivity',
  title: 'Connectivity and server version',
  async run(ctx) {
    const started = performance.now();
    await ctx.client.query('SELECT 1');
    const roundTripMs = Math.round((performance.now() - started) * 10) / 10;
    const { version, versionNum, inRecovery, aurora } = ctx.server;
    const what = `${aurora ? 'Aurora ' : ''}PostgreSQL ${version}`;
    const details = { version, versionNum, aurora, inRecovery, connectMs: ctx.connectMs, roundTripMs };
    if (versionNum < MINIMUM_SERVER_VERSION) {
      return verdict('connectivity', 'fail', `connected to ${what}, older than 13, the oldest version Airlock supports`, 'Upgrade the server to PostgreSQL 13 or later before migrating with Airlock.', details);
    }
    if (inRecovery) {
      return verdict('connectivity', 'fail', `connected to ${what}, but it is a read replica (in recovery)`, 'Point --database-url at the writer (primary) endpoint, not a reader or replica.', details);
    }
    try {
      checkServerSupports({ num: versionNum, text: version }, ctx.ledger.pending);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      const first = error.problems[0]!;
      return verdict('connectivity', 'fail', `connected to ${what}, which cannot run ${error.problems.length === 1 ? 'a pending statement' : `${error.problems.length} pending statements`}: ${first.file}:${first.line}: ${first.message}`,
        'Rewrite the statement for this version or upgrade the server first.', { ...details, problems: error.problems });
    }
    return pass('connectivity', `connected to ${what} in ${ctx.connectMs} ms (round trip ${roundTripMs} ms)`, details);
  },
};
