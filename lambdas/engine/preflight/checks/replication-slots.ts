import { humanBytes, humanMs, pass, verdict, type PreflightCheck } from '../types.ts';

export interface SlotRow {
  readonly name: string;
  readonly type: string;
  readonly database: string | null;
  readonly active: boolean;
  readonly walStatus: string | null;
  /** WAL the slot keeps from being removed. */
  readonly retainedBytes: number | null;
  /** How long it has been inactive (PostgreSQL 17+ records `inactive_since`). */
  readonly inactiveMs: number | null;
}

export const replicationSlots: PreflightCheck = {
  id: 'replication-slots',
  title: 'Inactive replication slots',
  async run(ctx) {
    if (ctx.server.inRecovery) return pass('replication-slots', 'not checked on a replica');
    // inactive_since is new in PostgreSQL 17; wal_status exists from 13.
    const inactiveSince = ctx.server.versionNum >= 170000 ? `(extract(epoch FROM clock_timestamp() - inactive_since) * 1000)::float8` : 'NULL::float8';
    const { rows } = await ctx.client.query<SlotRow>(
      `SELECT slot_name AS name, slot_type AS type, database, active, wal_status AS "walStatus",
              pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 AS "retainedBytes", ${inactiveSince} AS "inactiveMs"
         FROM pg_replication_slots ORDER BY slot_name`,
    );
    const inactive = rows.filter((r) => !r.active);
    if (inactive.length === 0) return pass('replication-slots', rows.length ? `${rows.length} replication slot${rows.length === 1 ? '' : 's'}, all active` : 'no replication slot', { slots: rows });
    const worst = [...inactive].sort((a, b) => (b.retainedBytes ?? 0) - (a.retainedBytes ?? 0))[0]!;
    const status = (worst.retainedBytes ?? 0) > ctx.thresholds.replicationSlots.failRetainedBytes || worst.walStatus === 'lost' ? 'fail' : 'warn';
    const describe = (s: SlotRow): string =>
      `${s.name} (${s.type}${s.retainedBytes === null ? '' : `, keeps ${humanBytes(s.retainedBytes)} of WAL`}${s.inactiveMs === null ? '' : `, inactive for ${humanMs(s.inactiveMs)}`}${s.walStatus === 'lost' ? ', WAL already lost' : ''})`;
    return verdict('replication-slots', status, `${inactive.length} inactive replication slot${inactive.length === 1 ? '' : 's'}: ${inactive.slice(0, 3).map(describe).join(', ')}`,
      `If nothing will consume it again, drop it (SELECT pg_drop_replication_slot('${worst.name}')): an inactive slot keeps every WAL file, and a migration writes a lot of WAL.`, { slots: rows });
  },
};
