import type { Command } from 'commander';
import { register as lint } from './lint.ts';

/** Every CLI verb, one module each (bin/commands/<verb>.ts); each adds its subcommand. */
export const commands: Array<(program: Command) => void> = [lint];
