import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rules } from './rules/index.ts';
import type { Finding } from './types.ts';
import type { LintResult } from './index.ts';

/** `file:line:col  severity  rule-id  message`, the safe alternative under it, and a count. */
export function formatText(result: LintResult): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    lines.push(`${f.file}:${f.line}:${f.column}  ${f.severity}  ${f.rule}  ${f.message}`);
    lines.push(`    safe alternative: ${f.help}`);
  }
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const warnings = result.findings.length - errors;
  const acknowledged = result.acknowledged.length ? `, ${result.acknowledged.length} acknowledged by allow directives` : '';
  lines.push(`${result.scripts} script${result.scripts === 1 ? '' : 's'} linted: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${acknowledged}.`);
  return `${lines.join('\n')}\n`;
}

/** `{"findings":[{"file","line","column","rule","severity","message","help"}]}` */
export function formatJson(result: LintResult): string {
  const findings = result.findings.map(({ file, line, column, rule, severity, message, help }) => ({ file, line, column, rule, severity, message, help }));
  return `${JSON.stringify({ findings }, null, 2)}\n`;
}

/**
 * SARIF 2.1.0, as GitHub code scanning reads it: one run, every rule described, one result per
 * finding with its file relative to `root` (the repository checkout) and its line and column.
 */
export function formatSarif(result: LintResult, root = process.cwd()): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'airlock-lint',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.summary },
              help: { text: `${r.summary}. The problem, the safe alternative and an example: docs/rules/${r.id}.md.` },
              defaultConfiguration: { level: r.severity },
            })),
          },
        },
        results: result.findings.map((f: Finding) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule),
          level: f.severity,
          message: { text: `${f.message}\nSafe alternative: ${f.help}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: toUri(f.file, root) },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** Relative to the checkout when inside it (what code scanning matches), else an absolute file: URI. */
function toUri(file: string, root: string): string {
  const rel = relative(root, resolve(root, file));
  if (rel.startsWith('..') || isAbsolute(rel)) return pathToFileURL(resolve(root, file)).href;
  return rel.split(sep).map(encodeURIComponent).join('/');
}
