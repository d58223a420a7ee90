#!/usr/bin/env node
// V8's optimising compiler spends about 550 MB compiling the SQL parser's WebAssembly; its baseline
// compiler (Liftoff) parses migrations as fast at a seventh of the memory (bench/parser-memory.ts).
// The flag is refused in NODE_OPTIONS and too late from inside, so the CLI replaces itself with a
// process that has it: execve keeps the process id, so signals and exit codes are unchanged.
if (!process.execArgv.includes('--liftoff-only') && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, '--liftoff-only', ...process.execArgv, ...process.argv.slice(1)], process.env);
}

const { Command } = await import('commander');
const { commands } = await import('./commands/index.ts');
const { runCli } = await import('./commands/cli-support.ts');

const program = new Command('airlock')
  .description('Database migrations on RDS and Aurora PostgreSQL as an automated, auditable runbook')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) })
  // Before the verbs are added: subcommands copy it, so runCli decides every exit code.
  .exitOverride();
for (const register of commands) register(program);

process.exitCode = await runCli(program, process.argv);
