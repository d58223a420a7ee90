import { Command, Option } from 'commander';
import { down, type RunResult } from '../../lambdas/engine/apply.ts';
import { loadMigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { urlConnector } from '../../lambdas/local/url-connector.ts';
import { databaseUrlOption, durationArg, resolveDatabaseUrl } from './cli-support.ts';
import { consoleReporter } from './reporter.ts';

export interface DownCommandOptions {
  databaseUrl?: string;
  dir: string;
  to: string;
  lockTimeout?: number;
  statementTimeout?: number;
  lockWait?: number;
}

/** `airlock down`: runs down scripts newest first down to (not including) `to`. */
export async function downCommand(opts: DownCommandOptions, out: NodeJS.WriteStream = process.stdout): Promise<RunResult> {
  const connector = urlConnector(resolveDatabaseUrl(opts.databaseUrl));
  const set = await loadMigrationSet(opts.dir);
  const reporter = consoleReporter();
  try {
    out.write(`reversing ${connector.describe()} down to version ${opts.to}\n`);
    const result = await down({
      connector,
      set,
      to: opts.to,
      onEvent: reporter.onEvent,
      ...(opts.lockTimeout !== undefined && { lockTimeoutMs: opts.lockTimeout }),
      ...(opts.statementTimeout !== undefined && { statementTimeoutMs: opts.statementTimeout }),
      ...(opts.lockWait !== undefined && { lockWaitMs: opts.lockWait }),
    });
    out.write(result.migrations.length === 0 ? 'nothing to reverse\n' : `reversed ${result.migrations.length} migration(s) in run ${result.runId}\n`);
    return result;
  } finally {
    reporter.stop();
  }
}

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('run down scripts, newest first, for every applied version above --to')
    .addOption(databaseUrlOption())
    .requiredOption('--dir <dir>', 'migration directory')
    .requiredOption('--to <version>', 'the version to go back to (0 for none)')
    .addOption(new Option('--lock-timeout <duration>', 'lock_timeout for statements that block clients (default 500ms)').argParser(durationArg))
    .addOption(new Option('--statement-timeout <duration>', 'statement_timeout (default none)').argParser(durationArg))
    .addOption(new Option('--lock-wait <duration>', 'how long to wait for another run to finish (default 10s)').argParser(durationArg))
    .action(async (opts: DownCommandOptions) => {
      await downCommand(opts);
    });
}
