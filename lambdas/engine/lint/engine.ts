import { InputError } from '../../errors.ts';
import { parseDirectives } from '../migrations/directives.ts';
import { autocommitOf, scriptFaults, type ScriptRole } from '../migrations/load.ts';
import { describeEffect, isNotEnforcedForm, type LockMode } from '../sql/effects.ts';
import { parseStatements, positionOfNode, type ParsedStatement } from '../sql/parse.ts';
import { addedConstraints, alterTableCommands, dottedName } from './ast.ts';
import { isKnownRuleId, ruleAnswersTo, rules, rulesById } from './rules/index.ts';
import { SchemaTracker, tableKey } from './schema.ts';
import type { Finding, Report, Rule, ScriptView, TransactionView } from './types.ts';
import { formatBytes } from './wording.ts';

/** A finding an allow directive acknowledged, and why. */
export interface Acknowledged extends Finding {
  readonly reason: string;
}

export interface ScriptLint {
  readonly findings: Finding[];
  readonly acknowledged: Acknowledged[];
}

export interface EngineOptions {
  /**
   * A table whose total size (with indexes) the database reports at or below this many bytes is
   * small: rules about long locks report a warning on it instead of an error. 0 turns this off.
   * @default 1 MiB – a few thousand rows: any rewrite or scan of it takes milliseconds.
   */
  readonly smallTableBytes?: number;
}

const DEFAULT_SMALL_TABLE_BYTES = 1024 * 1024;

/** A script as the engine lints it; a loaded MigrationScript is one, and so is a file that failed to load. */
export interface LintableScript extends ScriptView {
  readonly statements: readonly ParsedStatement[];
  /** Problems found while reading it (syntax, directives), already as findings. */
  readonly loadFindings?: readonly Finding[];
}

const meta = (id: string): Rule => rulesById.get(id)!;

function finding(rule: Rule, file: string, line: number, column: number, message: string, help: string): Finding {
  return { file, line, column, rule: rule.id, severity: rule.severity, message, help };
}

/**
 * Reads a script leniently: where the loader refuses a file, the linter reports why as findings and
 * goes on (a file that does not parse yields only its syntax-error finding).
 */
export function lintableFromText(file: string, role: ScriptRole, sql: string): LintableScript {
  let statements: ParsedStatement[];
  try {
    statements = parseStatements(sql, file);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const findings = error.problems.map((p) =>
      finding(meta('syntax-error'), file, p.line ?? 1, p.column ?? 1, p.message.replace(/\s*Fix the statement; nothing was applied\.$/, ''), 'Fix the statement at this position; the rest of the file was not checked until it parses.'),
    );
    return { file, role, autocommit: false, directives: { noTransaction: false, allows: [] }, statements: [], loadFindings: findings };
  }
  const loadFindings: Finding[] = [];
  const { directives, problems } = parseDirectives(file, sql, statements[0]?.line ?? Number.MAX_SAFE_INTEGER);
  const directive = meta('invalid-directive');
  const directiveHelp = "Directives are comments at the top of the file: '-- airlock:no-transaction', '-- airlock:lock-timeout 3s', '-- airlock:statement-timeout 30min', '-- airlock:allow <rule-id> <reason>', '-- airlock:batch table=<t> key=<col> size=<n> pause=<ms>'.";
  for (const p of problems) loadFindings.push(finding(directive, file, p.line ?? 1, p.column ?? 1, p.message, directiveHelp));
  // The loader's checks, as findings. BEGIN/COMMIT in a file is the transaction-control rule's to report.
  for (const fault of scriptFaults(role, directives, statements)) {
    switch (fault.kind) {
      case 'no-statement':
        loadFindings.push(finding(meta('syntax-error'), file, 1, 1, 'holds no SQL statement.', 'Add the migration statements or delete the file.'));
        break;
      case 'batched-without-directive':
        loadFindings.push(finding(directive, file, fault.statement.line, fault.statement.column, 'uses :lo/:hi but the file has no batch directive.', "Add '-- airlock:batch table=<t> key=<col> size=<n>' at the top of the file."));
        break;
      case 'directive-without-batched':
        loadFindings.push(finding(directive, file, fault.line, 1, 'has a batch directive but no statement uses :lo and :hi.', "Bound the statement with 'WHERE <key> > :lo AND <key> <= :hi'."));
        break;
      case 'transaction-control':
        break;
    }
  }
  return { file, role, directives, statements, autocommit: autocommitOf(directives, statements), loadFindings };
}

/** What the current transaction has done so far, for rules that care (VALIDATE, enum values). */
class TransactionState implements TransactionView {
  shared = false;
  explicitBlock = false;
  private readonly notValid = new Map<string, LockMode>();
  private readonly enumValues = new Map<string, string>();
  private readonly newEnumTypes = new Set<string>();

  get addedEnumValues(): ReadonlyMap<string, string> {
    return this.enumValues;
  }

  notValidLock(table: string, constraint: string): LockMode | undefined {
    return this.notValid.get(`${tableKey(table)}\u0000${constraint}`);
  }

  reset(): void {
    this.notValid.clear();
    this.enumValues.clear();
    this.newEnumTypes.clear();
  }

  /** Records what the statement leaves behind in its transaction. */
  after(stmt: ParsedStatement): void {
    const n = stmt.node;
    if (stmt.kind === 'TransactionStmt') {
      if (n.kind === 'TRANS_STMT_BEGIN' || n.kind === 'TRANS_STMT_START') this.explicitBlock = true;
      if (['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE', 'TRANS_STMT_COMMIT_PREPARED'].includes(n.kind)) {
        this.explicitBlock = false;
        this.reset();
      }
      return;
    }
    if (stmt.kind === 'CreateEnumStmt') {
      this.newEnumTypes.add(dottedName(n.typeName));
      return;
    }
    if (stmt.kind === 'AlterEnumStmt' && n.newVal && !n.oldVal) {
      const type = dottedName(n.typeName);
      // Values of a type created in the same transaction are usable at once.
      if (!this.newEnumTypes.has(type)) this.enumValues.set(n.newVal, type);
      return;
    }
    const alter = alterTableCommands(stmt);
    if (!alter) return;
    for (const { k, column } of addedConstraints(stmt)) {
      if (column === undefined && k.skip_validation && k.conname && !isNotEnforcedForm(k)) {
        const lock: LockMode = k.contype === 'CONSTR_FOREIGN' ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE';
        this.notValid.set(`${tableKey(alter.table)}\u0000${k.conname}`, lock);
      }
    }
  }
}


/**
 * Lints one script statement by statement, in order, updating `schema` as it goes. With
 * `pending` false the script only teaches the schema (an applied migration) and reports nothing.
 */
export function lintScript(script: LintableScript, schema: SchemaTracker, pending: boolean, options: EngineOptions = {}): ScriptLint {
  const tx = new TransactionState();
  const raw: Finding[] = pending ? [...(script.loadFindings ?? [])] : [];
  const active = rules.filter((r) => r.check && !(script.role === 'down' && r.destructive));
  const smallBytes = options.smallTableBytes ?? DEFAULT_SMALL_TABLE_BYTES;
  script.statements.forEach((stmt, i) => {
    if (script.autocommit && !tx.explicitBlock) tx.reset();
    tx.shared = tx.explicitBlock || (!script.autocommit && i > 0);
    if (pending) {
      const effect = describeEffect(stmt, schema);
      const following = script.autocommit && !tx.explicitBlock ? [] : script.statements.slice(i + 1);
      const input = { stmt, effect, schema, transaction: tx, script, following };
      for (const rule of active) {
        for (const report of rule.check!(input)) raw.push(toFinding(rule, report, script.file, stmt, schema, smallBytes));
      }
    }
    schema.apply(stmt, pending);
    tx.after(stmt);
  });
  return pending ? applyAllows(script, raw) : { findings: [], acknowledged: [] };
}

function toFinding(rule: Rule, report: Report, file: string, stmt: ParsedStatement, schema: SchemaTracker, smallBytes: number): Finding {
  const { line, column } = positionOfNode(stmt, report.at);
  const base = finding(rule, file, line, column, report.message, report.help);
  if (!rule.softensOnSmallTables || rule.severity !== 'error' || report.table === undefined || smallBytes <= 0) return base;
  const size = schema.tableSize(report.table);
  if (!size || size.bytes > smallBytes) return base;
  const rows = size.rows === undefined ? '' : `about ${size.rows} row${size.rows === 1 ? '' : 's'}, `;
  return {
    ...base,
    severity: 'warning',
    message: `${report.message} The database says ${report.table} is small (${rows}${formatBytes(size.bytes)} with its indexes), so here this lasts milliseconds: a warning, not an error.`,
  };
}

/** Moves findings an allow directive acknowledges aside, and reports allows that acknowledged nothing. */
function applyAllows(script: LintableScript, raw: Finding[]): ScriptLint {
  const allows = script.directives.allows;
  const used = new Set<number>();
  const findings: Finding[] = [];
  const acknowledged: Acknowledged[] = [];
  const unallowable = new Set(['syntax-error', 'invalid-directive', 'unused-allow']);
  for (const f of raw) {
    const rule = rulesById.get(f.rule)!;
    const i = unallowable.has(f.rule) ? -1 : allows.findIndex((a) => ruleAnswersTo(rule, a.rule));
    if (i === -1) findings.push(f);
    else {
      used.add(i);
      acknowledged.push({ ...f, reason: allows[i]!.reason });
    }
  }
  const unused = meta('unused-allow');
  allows.forEach((a, i) => {
    if (used.has(i)) return;
    const known = isKnownRuleId(a.rule);
    const closest = known ? undefined : closestRule(a.rule);
    const message = known
      ? `'-- airlock:allow ${a.rule}' acknowledges nothing: no statement in this file triggers ${a.rule}.`
      : `'-- airlock:allow ${a.rule}' names no rule${closest ? `; did you mean ${closest}?` : '.'}`;
    findings.push(finding(unused, script.file, a.line, 1, message, known ? 'Remove the directive, so that it cannot hide a future finding.' : `Use one of the rule ids listed in docs/lint.md.`));
  });
  return { findings, acknowledged };
}

function closestRule(id: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const r of rules) {
    // `ban-vacuum-full` for `vacuum-full`: a prefix or suffix added to a real id.
    if (id.includes(r.id) || r.id.includes(id)) return r.id;
    const d = editDistance(id, r.id);
    if (d < bestDistance) {
      best = r.id;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

export function sortFindings<T extends Finding>(findings: T[]): T[] {
  return findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)));
}
