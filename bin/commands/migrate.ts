import { Command, Option } from 'commander';
import { apply, describePlannedStatement, plan, type ApplyOptions, type RunResult } from '../../lambdas/engine/apply.ts';
import { ExitCode, addRunTimeoutOptions, addTargetOptions, durationArg, openTarget, runTimeouts, type RunTimeoutFlags, type TargetFlags } from './cli-support.ts';
import { consoleReporter } from './reporter.ts';

export interface MigrateCommandOptions extends TargetFlags, RunTimeoutFlags {
  to?: string;
  dryRun?: boolean;
  timeBudget?: number;
  allowOutOfOrder?: boolean;
  allowUnsafe?: string[];
  runId?: string;
}

/** Exit code of a run that stopped at its time budget: not failed, not finished; run again to resume. */
export const EXIT_PAUSED = 3;

/** `airlock migrate`: the plain function behind the CLI verb. Returns the run's result, or the plan for --dry-run. */
export async function migrateCommand(opts: MigrateCommandOptions, out: NodeJS.WriteStream = process.stdout, extra: Partial<ApplyOptions> = {}): Promise<RunResult | undefined> {
  const { connector, set } = await openTarget(opts);
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
      ...runTimeouts(opts),
      ...(opts.timeBudget !== undefined && { timeBudgetMs: opts.timeBudget }),
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
  addRunTimeoutOptions(
    addTargetOptions(program.command('migrate').description('apply pending migrations safely (lock timeouts, retries, CONCURRENTLY outside transactions, batched backfills)'))
      .option('--to <version>', 'apply up to and including this version')
      .option('--dry-run', 'print the plan (per statement: lock, rewrite/scan, transaction mode) and change nothing'),
  )
    .addOption(new Option('--time-budget <duration>', `stop cleanly after the current batch or migration once this has passed (exit ${EXIT_PAUSED}: run again to resume)`).argParser(durationArg))
    .option('--allow-out-of-order', 'apply pending versions lower than the highest applied one')
    .option('--allow-unsafe <rule-id>', 'let this lint rule\'s errors through for this run (repeatable; recorded in the run\'s record)', (id: string, all: string[]) => [...all, id], [] as string[])
    .option('--run-id <id>', 'name this run in the ledger (default: generated)')
    .action(async (opts: MigrateCommandOptions) => {
      const result = await migrateCommand(opts);
      if (result && !result.done) throw new ExitCode(EXIT_PAUSED);
    });
}
