import type { Directives } from '../migrations/directives.ts';
import type { ScriptRole } from '../migrations/load.ts';
import type { ParsedStatement } from '../sql/parse.ts';
import type { LockMode, StatementEffect } from '../sql/effects.ts';

export type Severity = 'error' | 'warning';

/** One finding, as every output format prints it. */
export interface Finding {
  readonly file: string;
  /** 1-based; the clause at fault (a column, constraint or type) when the parser gives its position, else the statement (or directive). */
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly severity: Severity;
  /** What the statement does: the lock it takes on which table, and whether it rewrites or scans. */
  readonly message: string;
  /** How to do the same thing safely. */
  readonly help: string;
}

/** What a rule reports about one statement; the engine adds position, rule id and severity. */
export interface Report {
  readonly message: string;
  readonly help: string;
  /**
   * The existing table whose size makes this dangerous. When the database says it is small, a
   * rule marked {@link Rule.softensOnSmallTables} is reported as a warning instead of an error.
   */
  readonly table?: string;
  /** The `location` of the parse node at fault (a column, a constraint, a type), so the finding points at it; else the statement's start. */
  readonly at?: number;
}

/** Schema facts known just before a statement runs: from earlier statements and, if given, the database. */
export interface SchemaView {
  /** Created by a statement being linted (same file or an earlier pending migration): empty and unseen by clients. */
  isNewTable(table: string): boolean;
  isNewSchema(schema: string): boolean;
  /** The column's current type when known (`varchar(50)` from a CREATE TABLE, `character varying(50)` from the database). */
  columnType(table: string, column: string): string | undefined;
  /** A validated `CHECK (column IS NOT NULL)` exists, so SET NOT NULL skips its scan. */
  hasNotNullCheck(table: string, column: string): boolean;
  /** True or false when the column is known, undefined when it is not. */
  isNotNull(table: string, column: string): boolean | undefined;
  isPartitioned(table: string): boolean;
  indexTable(index: string): string | undefined;
  /** The index's key columns, when known and all plain columns. */
  indexColumns(index: string): readonly string[] | undefined;
  /** Whether a rule told about the table can rely on the database's size figure. */
  tableSize(table: string): TableSize | undefined;
}

export interface TableSize {
  /** `pg_class.reltuples`; undefined when the table was never analyzed. */
  readonly rows?: number;
  /** `pg_total_relation_size`: table, indexes and TOAST. */
  readonly bytes: number;
}

/** What is true of the transaction the statement runs in. */
export interface TransactionView {
  /** The statement shares a transaction with the statements before it in the file. */
  readonly shared: boolean;
  /** Inside a BEGIN … COMMIT written into the file. */
  readonly explicitBlock: boolean;
  /** The lock a NOT VALID constraint added earlier in this transaction still holds, if any. */
  notValidLock(table: string, constraint: string): LockMode | undefined;
  /** Enum values added by ALTER TYPE … ADD VALUE earlier in this transaction: value → type. */
  readonly addedEnumValues: ReadonlyMap<string, string>;
}

export interface ScriptView {
  readonly file: string;
  readonly role: ScriptRole;
  readonly autocommit: boolean;
  readonly directives: Directives;
}

export interface StatementInput {
  readonly stmt: ParsedStatement;
  /** Locks and work from `describeEffect`, with the schema known at this point. */
  readonly effect: StatementEffect;
  readonly schema: SchemaView;
  readonly transaction: TransactionView;
  readonly script: ScriptView;
  /** The statements after this one in the same transaction (none in an autocommit file). */
  readonly following: readonly ParsedStatement[];
}

export interface Rule {
  /** kebab-case; names the rule file, its docs page and the allow directive. */
  readonly id: string;
  /** Errors block or break production; warnings are style. */
  readonly severity: Severity;
  /** One line, for the rule table and SARIF. */
  readonly summary: string;
  /**
   * squawk's ids for the same danger, accepted in allow directives and --allow-unsafe so that
   * teams coming from squawk keep the names they know.
   */
  readonly aliases?: readonly string[];
  /** Off in down scripts: dropping and renaming is how they reverse an up script. */
  readonly destructive?: boolean;
  /** Reported as a warning when the database says the table is small. */
  readonly softensOnSmallTables?: boolean;
  /** Judges one statement. Rules without it are reported by the engine itself (syntax errors, directives). */
  readonly check?: (input: StatementInput) => readonly Report[];
}
