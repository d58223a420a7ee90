import { describe, expect, it } from 'vitest';
import { checkServerSupports } from '../../lambdas/engine/server-version.ts';
import { loadMigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { migrationDir } from '../support/migration-dir.ts';

const pg = (num: number) => ({ num, text: `${Math.floor(num / 10000)}.${num % 100}` });

describe('checkServerSupports', () => {
  it('refuses a server older than PostgreSQL 13', async () => {
    expect(() => checkServerSupports(pg(120010), [])).toThrow(/older than 13, the oldest version Airlock supports/);
  });

  it('refuses DETACH PARTITION CONCURRENTLY before 14, naming file and line, and allows it from 14', async () => {
    const dir = await migrationDir({ '1_detach.sql': '-- airlock:no-transaction\nALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;' });
    const { migrations } = await loadMigrationSet(dir);
    expect(() => checkServerSupports(pg(130015), migrations)).toThrow(/1_detach\.sql:2:1: DETACH PARTITION CONCURRENTLY needs PostgreSQL 14\+, and this server is 13\.15/);
    expect(() => checkServerSupports(pg(140010), migrations)).not.toThrow();
  });

  it('refuses MERGE before 15 with advice that fits MERGE, and allows it from 15', async () => {
    const dir = await migrationDir({ '1_merge.sql': "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id);" });
    const { migrations } = await loadMigrationSet(dir);
    expect(() => checkServerSupports(pg(140010), migrations)).toThrow(/1_merge\.sql:1:1: MERGE needs PostgreSQL 15\+, and this server is 14\.10; use INSERT … ON CONFLICT/);
    expect(() => checkServerSupports(pg(150005), migrations)).not.toThrow();
  });
});
