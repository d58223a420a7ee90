import type { Command } from 'commander';

/** Every CLI verb, one module each (bin/commands/<verb>.ts); each adds its subcommand. */
export const commands: Array<(program: Command) => void> = [];
