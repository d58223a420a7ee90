import { pass, verdict, type PreflightCheck } from '../types.ts';

export const connections: PreflightCheck = {
  id: 'connections',
  title: 'Connections versus max_connections',
  async run(ctx) {
    // reserved_connections (for pg_use_reserved_connections) is new in PostgreSQL 16.
    const reserved = ctx.server.versionNum >= 160000 ? `current_setting('reserved_connections')::int` : '0';
    const { rows } = await ctx.client.query(
      `SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS used,
              current_setting('max_connections')::int AS max,
              current_setting('superuser_reserved_connections')::int + ${reserved} AS reserved`,
    );
    const { used, max, reserved: reservedSlots } = rows[0] as { used: number; max: number; reserved: number };
    const usable = Math.max(1, max - reservedSlots);
    const share = used / usable;
    const { warnRatio, failRatio } = ctx.thresholds.connections;
    const message = `${used} of ${usable} usable connections in use (${Math.round(share * 100)}%; max_connections ${max}, ${reservedSlots} reserved)`;
    const details = { used, max, reserved: reservedSlots, usable };
    if (share < warnRatio) return pass('connections', message, details);
    return verdict('connections', share >= failRatio ? 'fail' : 'warn', message,
      'Close idle sessions or route clients through a pooler; the migration and its checks need connections, and a lock queue makes clients open more.', details);
  },
};
