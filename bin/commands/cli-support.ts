import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AirlockError, redact } from '../../lambdas/errors.ts';
import { parseDuration } from '../../lambdas/engine/migrations/directives.ts';

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
