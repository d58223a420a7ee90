import { STATUS_LABEL, describeCounts } from '../../lambdas/engine/check-status.ts';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../../lambdas/errors.ts';
import { runPreflight, type PreflightReport } from '../../lambdas/engine/preflight/preflight.ts';
import { parseThresholds, type ThresholdsInput } from '../../lambdas/engine/preflight/types.ts';
import { dataDirectoryFreeStorage } from '../../lambdas/local/data-directory-storage.ts';
import { ExitCode, addTargetOptions, formatOption, openTarget, type TargetFlags } from './cli-support.ts';

export interface CheckCommandOptions extends TargetFlags {
  format?: 'text' | 'json';
  /** JSON file with any subset of the thresholds. */
  thresholds?: string;
}

/** Reads and validates a thresholds file; a bad one is an InputError naming the field. */
export async function readThresholds(file: string): Promise<ThresholdsInput> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new InputError([{ file, message: `cannot be read as JSON (${(error as Error).message}); write e.g. {"longTransactions": {"failAfterMs": "10min"}}.` }]);
  }
  parseThresholds(raw, file);
  return raw as ThresholdsInput;
}

/** `airlock check`: the preflight health checks. Returns the report; the CLI exits 1 when a check failed. */
export async function checkCommand(opts: CheckCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<PreflightReport> {
  const { url, connector, set } = await openTarget(opts);
  const thresholds = opts.thresholds ? await readThresholds(opts.thresholds) : undefined;
  const report = await runPreflight({ connector, set, freeStorageBytes: dataDirectoryFreeStorage(url), ...(thresholds && { thresholds }) });
  if (opts.format === 'json') {
    out.write(`${JSON.stringify(report, null, 2)}\n`);
    return report;
  }
  out.write(`checking ${connector.describe()}${report.server ? ` (PostgreSQL ${report.server.version})` : ''}\n`);
  for (const r of report.results) {
    out.write(`  ${STATUS_LABEL[r.status]}  ${r.id.padEnd(18)} ${r.message}\n`);
    if (r.remedy) out.write(`        → ${r.remedy}\n`);
  }
  out.write(`${describeCounts(report.counts)}; ${report.pending.length} pending\n`);
  return report;
}

export function registerCheck(program: Command): void {
  addTargetOptions(program.command('check').description('preflight health checks (connections, long transactions, locks, slots, lag, storage, ledger, off-peak); exit 1 when one fails'))
    .addOption(formatOption())
    .option('--thresholds <file>', 'JSON file overriding any thresholds, e.g. {"longTransactions": {"failAfterMs": "10min"}}')
    .action(async (opts: CheckCommandOptions) => {
      const report = await checkCommand(opts);
      if (!report.passed) throw new ExitCode(1);
    });
}
