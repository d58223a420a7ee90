import { pass, verdict, type PreflightCheck } from '../types.ts';

/** The oldest major version Airlock supports. */
export const MIN_SERVER_VERSION_NUM = 130000;

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
    if (versionNum < MIN_SERVER_VERSION_NUM) {
      return verdict('connectivity', 'fail', `connected to ${what}, older than the 13 Airlock supports`, 'Upgrade the server to PostgreSQL 13 or later before migrating with Airlock.', details);
    }
    if (inRecovery) {
      return verdict('connectivity', 'fail', `connected to ${what}, but it is a read replica (in recovery)`, 'Point --database-url at the writer (primary) endpoint, not a reader or replica.', details);
    }
    return pass('connectivity', `connected to ${what} in ${ctx.connectMs} ms (round trip ${roundTripMs} ms)`, details);
  },
};
