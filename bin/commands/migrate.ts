import { Command, Option } from 'commander';
import { apply, describePlannedStatement, plan, type ApplyOptions, type RunResult } from '../../lambdas/engine/apply.ts';
import { loadMigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { urlConnector } from '../../lambdas/local/url-connector.ts';
import { ExitCode, databaseUrlOption, durationArg, resolveDatabaseUrl } from './cli-support.ts';
import { consoleReporter } from './reporter.ts';

export interface MigrateCommandOptions {
  databaseUrl?: string;
  dir: string;
  to?: string;
  dryRun?: boolean;
  lockTimeout?: number;
  statementTimeout?: number;
  timeBudget?: number;
  lockWait?: number;
  allowOutOfOrder?: boolean;
  allowUnsafe?: string[];
  runId?: string;
}

/** Exit code of a run that stopped at its time budget: not failed, not finished; run again to resume. */
export const EXIT_PAUSED = 3;

/** `airlock migrate`: the plain function behind the CLI verb. Returns the run's result, or the plan for --dry-run. */
export async function migrateCommand(opts: MigrateCommandOptions, out: NodeJS.WriteStream = process.stdout, extra: Partial<ApplyOptions> = {}): Promise<RunResult | undefined> {
  const connector = urlConnector(resolveDatabaseUrl(opts.databaseUrl));
  const set = await loadMigrationSet(opts.dir);
  if (opts.dryRun) {
    const planned = await plan({ connector, set, ...(opts.to !== undefined && { to: opts.to }), ...(opts.allowOutOfOrder && { allowOutOfOrder: true }), ...(opts.lockTimeout !== undefined && { lockTimeoutMs: opts.lockTimeout }) });
    out.write(`PostgreSQL ${planned.server.text} at ${connector.describe()}: ${planned.serverNotes.join('; ')}\n`);
    if (planned.migrations.length === 0) out.write('nothing to apply\n');
    for (const m of planned.migrations) {
      out.write(`${m.version} ${m.name} (${m.file}): ${m.mode === 'transaction' ? 'one transaction' : 'autocommit, statement by statement'}\n`);
      for (const s of m.statements) {
        out.write(`  ${s.line}:${s.column}  ${s.sql.split('\n')[0]!.slice(0, 100)}${s.sql.includes('\n') || s.sql.length > 100 ? ' …' : ''}\n      ${describePlannedStatement(s)}\n`);
        for (const p of s.effect.parts) if (p.what) out.write(`      · ${p.what}\n`);
      }
    }
    return undefined;
  }
  const reporter = consoleReporter();
  try {
    out.write(`migrating ${connector.describe()} from ${opts.dir}\n`);
    const result = await apply({
      connector,
      set,
      onEvent: reporter.onEvent,
      ...(opts.to !== undefined && { to: opts.to }),
      ...(opts.lockTimeout !== undefined && { lockTimeoutMs: opts.lockTimeout }),
      ...(opts.statementTimeout !== undefined && { statementTimeoutMs: opts.statementTimeout }),
      ...(opts.timeBudget !== undefined && { timeBudgetMs: opts.timeBudget }),
      ...(opts.lockWait !== undefined && { lockWaitMs: opts.lockWait }),
      ...(opts.allowOutOfOrder && { allowOutOfOrder: true }),
      ...(opts.allowUnsafe?.length && { allowUnsafe: opts.allowUnsafe }),
      ...(opts.runId !== undefined && { runId: opts.runId }),
      ...extra,
    });
    reporter.stop();
    if (!result.done) {
      out.write(`paused at the time budget after ${result.migrations.length} migration(s) (run ${result.runId}; resume point ${JSON.stringify(result.cursor)}); run the same command again to continue\n`);
    } else {
      out.write(result.migrations.length === 0 ? 'nothing to apply\n' : `applied ${result.migrations.length} migration(s) in run ${result.runId}\n`);
    }
    return result;
  } finally {
    reporter.stop();
  }
}

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending migrations safely (lock timeouts, retries, CONCURRENTLY outside transactions, batched backfills)')
    .addOption(databaseUrlOption())
    .requiredOption('--dir <dir>', 'migration directory')
    .option('--to <version>', 'apply up to and including this version')
    .option('--dry-run', 'print the plan (per statement: lock, rewrite/scan, transaction mode) and change nothing')
    .addOption(new Option('--lock-timeout <duration>', 'lock_timeout for statements that block clients (default 500ms)').argParser(durationArg))
    .addOption(new Option('--statement-timeout <duration>', 'statement_timeout (default none)').argParser(durationArg))
    .addOption(new Option('--time-budget <duration>', `stop cleanly after the current batch or migration once this has passed (exit ${EXIT_PAUSED}: run again to resume)`).argParser(durationArg))
    .addOption(new Option('--lock-wait <duration>', 'how long to wait for another run to finish (default 10s)').argParser(durationArg))
    .option('--allow-out-of-order', 'apply pending versions lower than the highest applied one')
    .option('--allow-unsafe <rule-id>', 'let this lint rule\'s errors through for this run (repeatable; recorded in the run\'s record)', (id: string, all: string[]) => [...all, id], [] as string[])
    .option('--run-id <id>', 'name this run in the ledger (default: generated)')
    .action(async (opts: MigrateCommandOptions) => {
      const result = await migrateCommand(opts);
      if (result && !result.done) throw new ExitCode(EXIT_PAUSED);
    });
}
