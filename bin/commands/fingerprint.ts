import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../../lambdas/errors.ts';
import { FINGERPRINT_FORMAT, compareFingerprints, fingerprintJson, takeFingerprint, type Fingerprint, type FingerprintDifference } from '../../lambdas/engine/fingerprint.ts';
import { urlConnector } from '../../lambdas/local/url-connector.ts';
import { ExitCode, databaseUrlOption, formatOption, resolveDatabaseUrl } from './cli-support.ts';

export interface FingerprintCommandOptions {
  databaseUrl?: string;
  content?: boolean;
  format?: 'text' | 'json';
  /** A fingerprint saved earlier with --format json: print what differs. */
  compare?: string;
}

export interface FingerprintCommandResult {
  readonly fingerprint: Fingerprint;
  /** Set with --compare: empty when the database matches the saved fingerprint. */
  readonly differences?: readonly FingerprintDifference[];
}

/**
 * `airlock fingerprint`: a digest of the schema and of each table's rows. The output holds no
 * timestamp and no host, so an unchanged database prints the same bytes.
 */
export async function fingerprintCommand(opts: FingerprintCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<FingerprintCommandResult> {
  const saved = opts.compare ? await readSaved(opts.compare) : undefined;
  const client = await urlConnector(resolveDatabaseUrl(opts.databaseUrl)).connect();
  let fingerprint: Fingerprint;
  try {
    fingerprint = await takeFingerprint(client, { content: opts.content === true });
  } finally {
    await client.end().catch(() => {});
  }
  const differences = saved ? compareFingerprints(saved, fingerprint) : undefined;
  if (opts.format === 'json') {
    out.write(differences ? `${JSON.stringify({ matches: differences.length === 0, differences }, null, 2)}\n` : fingerprintJson(fingerprint));
  } else if (differences) {
    out.write(differences.length === 0 ? `matches ${opts.compare}\n` : `${differences.length} difference${differences.length === 1 ? '' : 's'} from ${opts.compare}:\n`);
    for (const d of differences) out.write(`  ${d.change.padEnd(7)} ${d.object}${d.before !== undefined || d.after !== undefined ? `  (${d.before ?? '–'} → ${d.after ?? '–'})` : ''}\n`);
  } else {
    const tables = Object.entries(fingerprint.tables);
    out.write(`digest  ${fingerprint.digest}\n`);
    out.write(`schema  ${fingerprint.schemaDigest}  ${Object.keys(fingerprint.objects).length} objects\n`);
    out.write(`rows    ${fingerprint.rowsDigest}  ${tables.length} tables${fingerprint.content ? ', content hashed' : ', counts only (add --content to hash the rows)'}\n`);
    const width = Math.max(0, ...tables.map(([name]) => name.length));
    for (const [name, t] of tables) out.write(`  ${name.padEnd(width)}  ${String(t.rows).padStart(12)} rows${t.content ? `  ${t.content}` : ''}\n`);
  }
  return { fingerprint, ...(differences && { differences }) };
}

async function readSaved(file: string): Promise<Fingerprint> {
  const notAFingerprint = (why: string): InputError =>
    new InputError([{ file, message: `is not a fingerprint saved with 'airlock fingerprint --format json' (${why}).` }]);
  let parsed: Fingerprint;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as Fingerprint;
  } catch (error) {
    throw notAFingerprint((error as Error).message);
  }
  if (typeof parsed?.digest !== 'string' || typeof parsed.objects !== 'object' || typeof parsed.tables !== 'object') throw notAFingerprint('not a fingerprint');
  if (parsed.format !== FINGERPRINT_FORMAT) {
    throw new InputError([{ file, message: `is a fingerprint of format ${String(parsed.format)}; this Airlock takes format ${FINGERPRINT_FORMAT}. Take the "before" fingerprint again with this version.` }]);
  }
  return parsed;
}

export function registerFingerprint(program: Command): void {
  program
    .command('fingerprint')
    .description('print a stable digest of the schema and of each table\'s rows (the same bytes for an unchanged database)')
    .addOption(databaseUrlOption())
    .option('--content', 'also hash every row\'s content (one sequential scan per table)')
    .addOption(formatOption())
    .option('--compare <file>', 'compare with a fingerprint saved earlier (--format json) and exit 1 when they differ')
    .action(async (opts: FingerprintCommandOptions) => {
      const result = await fingerprintCommand(opts);
      if (result.differences && result.differences.length > 0) throw new ExitCode(1);
    });
}
