import { STATUS_LABEL, describeCounts } from '../../lambdas/engine/check-status.ts';
import { Command, Option } from 'commander';
import type { CheckResult } from '../../lambdas/engine/verify/run-check.ts';
import { runVerification, type VerificationReport } from '../../lambdas/engine/verify/verify.ts';
import { ExitCode, addTargetOptions, durationArg, formatOption, openTarget, type TargetFlags } from './cli-support.ts';

export interface VerifyCommandOptions extends TargetFlags {
  format?: 'text' | 'json';
  runId?: string;
  statementTimeout?: number;
  builtIns?: boolean;
}

/** `airlock verify`: built-in checks, then the verify files of applied migrations. Returns the report; the CLI exits 1 when a check failed. */
export async function verifyCommand(opts: VerifyCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<VerificationReport> {
  const { connector, set } = await openTarget(opts);
  const report = await runVerification({
    connector,
    set,
    ...(opts.runId !== undefined && { runId: opts.runId }),
    ...(opts.statementTimeout !== undefined && { statementTimeoutMs: opts.statementTimeout }),
    ...(opts.builtIns === false && { builtIns: false }),
  });
  if (opts.format === 'json') {
    out.write(`${JSON.stringify(report, null, 2)}\n`);
    return report;
  }
  out.write(`verifying ${connector.describe()}${report.runId ? ` (run ${report.runId})` : ''}: ${report.results.length} checks\n`);
  const width = Math.max(0, ...report.results.map((r) => r.name.length));
  for (const r of report.results) out.write(formatCheck(r, width));
  out.write(`${describeCounts(report.counts)}\n`);
  return report;
}

function formatCheck(r: CheckResult, width: number): string {
  let text = `  ${STATUS_LABEL[r.status]}  ${r.name.padEnd(width)}  ${r.message}  [${r.source}, ${r.durationMs} ms]\n`;
  if (r.status === 'pass') return text;
  for (const row of r.rows ?? []) text += `        row: ${JSON.stringify(row)}\n`;
  if (r.plan?.length) text += `        plan:\n${r.plan.map((l) => `          ${l}\n`).join('')}`;
  return text;
}

export function registerVerify(program: Command): void {
  addTargetOptions(program.command('verify').description('run the built-in checks and the verify files of applied migrations (each check READ ONLY); exit 1 when one fails'))
    .addOption(formatOption())
    .option('--run-id <id>', 'check the indexes this run created (default: the run of the latest applied migration)')
    .addOption(new Option('--statement-timeout <duration>', 'statement_timeout of each check unless its file sets one (default 30s)').argParser(durationArg))
    .option('--no-built-ins', 'run only the verify files')
    .action(async (opts: VerifyCommandOptions) => {
      const report = await verifyCommand(opts);
      if (!report.passed) throw new ExitCode(1);
    });
}
