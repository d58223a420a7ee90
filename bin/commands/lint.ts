import { Option, type Command } from 'commander';
import { lintPaths, type LintResult } from '../../lambdas/engine/lint/index.ts';
import { formatJson, formatSarif, formatText } from '../../lambdas/engine/lint/format.ts';
import { ExitCode, formatOption } from './cli-support.ts';

export type LintFormat = 'text' | 'json' | 'sarif';

export interface LintCommandOptions {
  readonly format?: LintFormat;
  /** Read column types, checks and table sizes from this database (read-only). */
  readonly databaseUrl?: string;
  /** Where output goes. @default process.stdout */
  readonly write?: (text: string) => void;
}

/**
 * `airlock lint`: lints files and directories and prints the findings. Returns the result and the
 * exit code: 1 when any error-severity finding remains unacknowledged, else 0.
 */
export async function lintCommand(paths: readonly string[], options: LintCommandOptions = {}): Promise<{ result: LintResult; exitCode: 0 | 1 }> {
  const result = await lintPaths(paths, options.databaseUrl ? { databaseUrl: options.databaseUrl } : {});
  const format = options.format ?? 'text';
  const text = format === 'json' ? formatJson(result) : format === 'sarif' ? formatSarif(result) : formatText(result);
  (options.write ?? ((t: string) => void process.stdout.write(t)))(text);
  return { result, exitCode: result.findings.some((f) => f.severity === 'error') ? 1 : 0 };
}

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('check migrations for statements that lock, rewrite, break clients or lose data (exit 1 on any error)')
    .argument('<paths...>', 'migration files or directories')
    .addOption(formatOption(['text', 'json', 'sarif']))
    .addOption(new Option('--database-url <url>', 'read column types, validated checks and table sizes from this database (read-only; never changes it)'))
    .action(async (paths: string[], opts: { format: LintFormat; databaseUrl?: string }) => {
      const { exitCode } = await lintCommand(paths, { format: opts.format, ...(opts.databaseUrl && { databaseUrl: opts.databaseUrl }) });
      if (exitCode !== 0) throw new ExitCode(exitCode);
    });
}
