import type { Command } from 'commander';
import { registerDown } from './down.ts';
import { registerMigrate } from './migrate.ts';
import { registerStatus } from './status.ts';

/** Every CLI verb, one module each (bin/commands/<verb>.ts); each adds its subcommand. */
export const commands: Array<(program: Command) => void> = [registerMigrate, registerDown, registerStatus];
