import type { Command } from 'commander';
import { down, type RunResult } from '../../lambdas/engine/apply.ts';
import { addRunTimeoutOptions, addTargetOptions, openTarget, runTimeouts, type RunTimeoutFlags, type TargetFlags } from './cli-support.ts';
import { consoleReporter } from './reporter.ts';

export interface DownCommandOptions extends TargetFlags, RunTimeoutFlags {
  to: string;
}

/** `airlock down`: runs down scripts newest first down to (not including) `to`. */
export async function downCommand(opts: DownCommandOptions, out: NodeJS.WriteStream = process.stdout): Promise<RunResult> {
  const { connector, set } = await openTarget(opts);
  const reporter = consoleReporter();
  try {
    out.write(`reversing ${connector.describe()} down to version ${opts.to}\n`);
    const result = await down({
      connector,
      set,
      to: opts.to,
      onEvent: reporter.onEvent,
      ...runTimeouts(opts),
    });
    out.write(result.migrations.length === 0 ? 'nothing to reverse\n' : `reversed ${result.migrations.length} migration(s) in run ${result.runId}\n`);
    return result;
  } finally {
    reporter.stop();
  }
}

export function registerDown(program: Command): void {
  addRunTimeoutOptions(
    addTargetOptions(program.command('down').description('run down scripts, newest first, for every applied version above --to'))
      .requiredOption('--to <version>', 'the version to go back to (0 for none)'),
  ).action(async (opts: DownCommandOptions) => {
    await downCommand(opts);
  });
}
