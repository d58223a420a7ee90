import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AirlockError, redact } from '../../lambdas/errors.ts';
import { parseDuration } from '../../lambdas/engine/migrations/directives.ts';
import { loadMigrationSet, type MigrationSet } from '../../lambdas/engine/migrations/load.ts';
import { urlConnector } from '../../lambdas/local/url-connector.ts';
import type { Connector } from '../../lambdas/ports.ts';

/** Raised by a command to end with a given exit code after it has printed its own report. */
export class ExitCode extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/** A command was called wrongly (exit 2), as opposed to failing at its work (exit 1). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--database-url`, defaulting to DATABASE_URL; the help never shows its value (it holds a password). */
export function databaseUrlOption(): Option {
  return new Option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL); use the writer endpoint, not RDS Proxy');
}

export function resolveDatabaseUrl(value: string | undefined): string {
  const url = value ?? process.env.DATABASE_URL;
  if (!url) throw new UsageError('no database given: pass --database-url postgres://… or set DATABASE_URL.');
  return url;
}

/** What every verb that works on a migration set is given: the database and the directory. */
export interface TargetFlags {
  databaseUrl?: string;
  dir: string;
}

/** `--database-url` and `--dir`. */
export function addTargetOptions(command: Command): Command {
  return command.addOption(databaseUrlOption()).requiredOption('--dir <dir>', 'migration directory');
}

/** The database (as a connector) and the loaded migration set; bad files are reported before any connection. */
export async function openTarget(opts: TargetFlags): Promise<{ url: string; connector: Connector; set: MigrationSet }> {
  const url = resolveDatabaseUrl(opts.databaseUrl);
  const set = await loadMigrationSet(opts.dir);
  return { url, connector: urlConnector(url), set };
}

/** `--format` with the given choices, text by default. */
export function formatOption(choices: readonly string[] = ['text', 'json']): Option {
  return new Option('--format <format>', 'output format').choices(choices).default('text');
}

/** The timeouts of a run (migrate, down). */
export interface RunTimeoutFlags {
  lockTimeout?: number;
  statementTimeout?: number;
  lockWait?: number;
}

export function addRunTimeoutOptions(command: Command): Command {
  return command
    .addOption(new Option('--lock-timeout <duration>', 'lock_timeout for statements that block clients (default 500ms)').argParser(durationArg))
    .addOption(new Option('--statement-timeout <duration>', 'statement_timeout (default none)').argParser(durationArg))
    .addOption(new Option('--lock-wait <duration>', 'how long to wait for another run to finish (default 10s)').argParser(durationArg));
}

/** The run options those flags set; an absent flag leaves the engine's default. */
export function runTimeouts(opts: RunTimeoutFlags): { lockTimeoutMs?: number; statementTimeoutMs?: number; lockWaitMs?: number } {
  return {
    ...(opts.lockTimeout !== undefined && { lockTimeoutMs: opts.lockTimeout }),
    ...(opts.statementTimeout !== undefined && { statementTimeoutMs: opts.statementTimeout }),
    ...(opts.lockWait !== undefined && { lockWaitMs: opts.lockWait }),
  };
}

export function durationArg(value: string): number {
  const parsed = parseDuration(value);
  if (parsed === undefined) throw new InvalidArgumentError(`'${value}' is not a duration; write e.g. 500ms, 3s, 10m or 1h.`);
  return parsed;
}

/** Runs the program and turns every failure into a message on stderr and a non-zero exit code. */
export async function runCli(program: Command, argv: readonly string[]): Promise<number> {
  program.exitOverride();
  try {
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (error) {
    if (error instanceof ExitCode) return error.code;
    if (error instanceof UsageError) {
      process.stderr.write(`airlock: ${redact(error.message)}\n`);
      return 2;
    }
    // Commander has printed its own parse errors already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const message = error instanceof AirlockError ? error.message : `unexpected error: ${(error as Error)?.stack ?? String(error)}`;
    process.stderr.write(`airlock: ${redact(message)}\n`);
    return 1;
  }
}
