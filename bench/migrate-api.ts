/**
 * Stand-in for `airlock migrate` used by the benchmarks only when this checkout has no `migrate`
 * CLI verb: the same engine call (apply with default settings), in its own process.
 * Usage: node bench/migrate-api.ts --database-url URL --dir DIR
 */
import { parseArgs } from 'node:util';
import { apply } from '../lambdas/engine/apply.ts';
import { loadMigrationSet } from '../lambdas/engine/migrations/load.ts';
import { urlConnector } from '../lambdas/local/url-connector.ts';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' }, dir: { type: 'string' } } });
const result = await apply({ connector: urlConnector(values['database-url']!), set: await loadMigrationSet(values.dir!) });
console.log(`applied ${result.migrations.length} migration(s), done=${result.done}`);
