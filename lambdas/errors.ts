/**
 * One error hierarchy for the whole of Airlock. Step Functions `Catch`/`Retry` match an error's
 * `name`, so `lib/` imports {@link ErrorNames} instead of retyping strings. Messages never carry a
 * password or a full connection string.
 */

export interface SourcePosition {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

export function formatPosition(p: SourcePosition): string {
  return p.line === undefined ? p.file : p.column === undefined ? `${p.file}:${p.line}` : `${p.file}:${p.line}:${p.column}`;
}

export class AirlockError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AirlockError';
  }
}

/** One problem in one input file: where it is and what to do about it. */
export interface InputProblem extends SourcePosition {
  readonly message: string;
}

/** Bad input (migration files, directives, options). Nothing was changed. */
export class InputError extends AirlockError {
  readonly problems: readonly InputProblem[];
  constructor(problems: readonly InputProblem[], options?: { cause?: unknown }) {
    super(
      problems.length === 1
        ? `${formatPosition(problems[0]!)}: ${problems[0]!.message}`
        : `${problems.length} problems in the migration files; nothing was changed:\n${problems.map((p) => `  ${formatPosition(p)}: ${p.message}`).join('\n')}`,
      options,
    );
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** An applied migration's file no longer matches the checksum recorded when it ran. */
export class ChecksumMismatchError extends AirlockError {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumMismatchError';
  }
}

/** A pending version is lower than the highest applied one. */
export class OutOfOrderError extends AirlockError {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfOrderError';
  }
}

/** Another run holds the advisory lock. Nothing was changed. */
export class LockBusyError extends AirlockError {
  constructor(message: string) {
    super(message);
    this.name = 'LockBusyError';
  }
}

/** A statement kept hitting lock_timeout until the retry budget ran out. */
export class LockTimeoutError extends AirlockError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LockTimeoutError';
  }
}

/** A migration statement failed; the migration's transaction (if any) was rolled back. */
export class MigrationFailedError extends AirlockError {
  readonly position: SourcePosition;
  readonly version: string;
  readonly sqlState?: string;
  constructor(message: string, details: { position: SourcePosition; version: string; sqlState?: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationFailedError';
    this.position = details.position;
    this.version = details.version;
    if (details.sqlState !== undefined) this.sqlState = details.sqlState;
  }
}

/** `down` was asked to reverse a migration that has no down script. Nothing was changed. */
export class MissingDownScriptError extends AirlockError {
  constructor(message: string) {
    super(message);
    this.name = 'MissingDownScriptError';
  }
}

/** The lint gate found unacknowledged error-severity findings. Nothing was changed. */
export class LintGateError extends AirlockError {
  constructor(message: string) {
    super(message);
    this.name = 'LintGateError';
  }
}

/** A verification check failed. */
export class VerificationFailedError extends AirlockError {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationFailedError';
  }
}

/** A preflight health check failed. Nothing was changed. */
export class PreflightFailedError extends AirlockError {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightFailedError';
  }
}

/** The database could not be reached (network, authentication, server starting up). Retryable. */
export class ConnectionError extends AirlockError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectionError';
  }
}

export const ErrorNames = {
  input: 'InputError',
  checksumMismatch: 'ChecksumMismatchError',
  outOfOrder: 'OutOfOrderError',
  lockBusy: 'LockBusyError',
  lockTimeout: 'LockTimeoutError',
  migrationFailed: 'MigrationFailedError',
  missingDownScript: 'MissingDownScriptError',
  lintGate: 'LintGateError',
  verificationFailed: 'VerificationFailedError',
  preflightFailed: 'PreflightFailedError',
  connection: 'ConnectionError',
} as const;

/** Removes the password from anything that looks like a connection URL or a `password=` pair. */
export function redact(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
}
