#!/usr/bin/env node
import { Command } from 'commander';
import { commands } from './commands/index.ts';
import { runCli } from './commands/cli-support.ts';

const program = new Command('airlock')
  .description('Database migrations on RDS and Aurora PostgreSQL as an automated, auditable runbook')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) })
  // Before the verbs are added: subcommands copy it, so runCli decides every exit code.
  .exitOverride();
for (const register of commands) register(program);

process.exitCode = await runCli(program, process.argv);
