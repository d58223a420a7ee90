import type { Command } from 'commander';
import { status, type StatusReport } from '../../lambdas/engine/apply.ts';
import { addTargetOptions, formatOption, openTarget, type TargetFlags } from './cli-support.ts';

export interface StatusCommandOptions extends TargetFlags {
  format?: 'text' | 'json';
}

/** `airlock status`. The JSON form is a contract: exactly `{applied:[{version,name,checksum,appliedAt}], pending:[{version,name}]}`. */
export async function statusCommand(opts: StatusCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<StatusReport> {
  const { connector, set } = await openTarget(opts);
  const report = await status({ connector, set });
  if (opts.format === 'json') {
    out.write(`${JSON.stringify({ applied: report.applied, pending: report.pending })}\n`);
    return report;
  }
  out.write(`${connector.describe()}: ${report.applied.length} applied, ${report.pending.length} pending\n`);
  for (const a of report.applied) out.write(`  applied  ${a.version.padEnd(6)} ${a.name.padEnd(32)} ${a.appliedAt}\n`);
  for (const p of report.pending) out.write(`  pending  ${p.version.padEnd(6)} ${p.name}\n`);
  for (const c of report.changed) out.write(`  CHANGED  ${c.version.padEnd(6)} ${c.file} differs from what was applied; migrate will refuse until it is restored\n`);
  for (const m of report.missing) out.write(`  MISSING  ${m.version.padEnd(6)} ${m.name}: applied, but no file in ${opts.dir}\n`);
  return report;
}

export function registerStatus(program: Command): void {
  addTargetOptions(program.command('status').description('list applied and pending migrations'))
    .addOption(formatOption())
    .action(async (opts: StatusCommandOptions) => {
      await statusCommand(opts);
    });
}
