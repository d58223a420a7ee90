import type { Command } from 'commander';
import { registerCheck } from './check.ts';
import { registerDown } from './down.ts';
import { registerFingerprint } from './fingerprint.ts';
import { registerLint } from './lint.ts';
import { registerMigrate } from './migrate.ts';
import { registerStatus } from './status.ts';
import { registerVerify } from './verify.ts';

/** Every CLI verb, one module each (bin/commands/<verb>.ts); each adds its subcommand. */
export const commands: Array<(program: Command) => void> = [
  registerMigrate,
  registerDown,
  registerStatus,
  registerLint,
  registerVerify,
  registerCheck,
  registerFingerprint,
];
