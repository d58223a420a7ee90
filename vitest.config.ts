import { defineConfig } from 'vitest/config';

const integration = 'test/integration/**/*.test.ts';
// Starts servers of its own in child processes; one lane is enough.
const embeddedOnly = 'test/integration/embedded-postgres.test.ts';
// Applies a corpus written for PostgreSQL 17's syntax (DETACH … CONCURRENTLY, CLUSTER options).
const pg17Syntax = 'test/integration/lint-corpus-sql.test.ts';

// Starts (or points at) the lane's server; per project, as the root project has no lane.
const globalSetup = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: integration files share one server per lane, each file in its own database.
    maxWorkers: 2,
    // One project per server lane (see test/support/global-setup.ts): the default one runs
    // everything on PostgreSQL 17 (or TEST_DATABASE_URL); pg13 and pg18 rerun the integration
    // tests on the oldest and newest PostgreSQL Airlock supports.
    projects: [
      { extends: true, test: { name: 'pg17', globalSetup, include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'pg13', globalSetup, include: [integration], exclude: [embeddedOnly, pg17Syntax] } },
      { extends: true, test: { name: 'pg18', globalSetup, include: [integration], exclude: [embeddedOnly] } },
    ],
  },
});
