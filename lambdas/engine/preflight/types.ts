import type pg from 'pg';
import { z } from 'zod';
import { InputError } from '../../errors.ts';
import type { LedgerComparison } from '../migrations/ledger-drift.ts';
import type { MigrationSet } from '../migrations/load.ts';
import { parseDuration } from '../migrations/directives.ts';

import type { CheckStatus } from '../check-status.ts';

export type PreflightStatus = CheckStatus;

/** One health check's verdict: what was found, and (unless it passed) one line saying what to do. */
export interface PreflightResult {
  readonly id: string;
  readonly status: PreflightStatus;
  readonly message: string;
  /** One line: what to do about it; empty when the check passed. */
  readonly remedy: string;
  readonly details?: unknown;
}

export interface ServerInfo {
  /** `server_version_num`, e.g. 170010. */
  readonly versionNum: number;
  /** `server_version`, e.g. `17.10`. */
  readonly version: string;
  readonly inRecovery: boolean;
  /** Aurora PostgreSQL (has `aurora_version()`). */
  readonly aurora: boolean;
}

/** Where free storage comes from: CloudWatch FreeStorageSpace on AWS, the data directory's file system locally. */
export type FreeStorageSource = (client: pg.Client) => Promise<number | undefined>;

export interface PreflightContext {
  readonly client: pg.Client;
  readonly server: ServerInfo;
  readonly set: MigrationSet;
  readonly ledger: LedgerComparison;
  readonly thresholds: Thresholds;
  readonly freeStorageBytes?: FreeStorageSource;
  /** Milliseconds the connection took to open. */
  readonly connectMs: number;
}

export interface PreflightCheck {
  /** Kebab-case, the same as its file name. */
  readonly id: string;
  readonly title: string;
  run(ctx: PreflightContext): Promise<PreflightResult>;
}

/** A duration in the thresholds file: milliseconds, or text such as `90s` or `5min`. */
const duration = z.union([
  z.number().nonnegative(),
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `'${text}' is not a duration; write e.g. 500ms, 30s, 5min` });
      return z.NEVER;
    }
    return ms;
  }),
]);
const ratio = z.number().min(0);

const warnFail = (warn: number, fail: number) => z.strictObject({ warnAfterMs: duration.default(warn), failAfterMs: duration.default(fail) }).prefault({});

/** Every threshold, with defaults; a thresholds file or execution input may give any subset. */
export const thresholdsSchema = z.strictObject({
  ledger: z.strictObject({ allowOutOfOrder: z.boolean().default(false) }).prefault({}),
  /** Transactions open this long make CREATE INDEX CONCURRENTLY wait and ACCESS EXCLUSIVE locks queue. */
  longTransactions: warnFail(60_000, 300_000),
  /** Sessions waiting this long for a lock. */
  blockedSessions: warnFail(1_000, 10_000),
  replicationSlots: z
    .strictObject({
      /** An inactive slot retaining more WAL than this fails the check; any inactive slot warns. @default 10 GiB */
      failRetainedBytes: z.number().nonnegative().default(10 * 1024 ** 3),
    })
    .prefault({}),
  replicaLag: warnFail(5_000, 30_000),
  storage: z
    .strictObject({
      /** Warn when the estimate needs more than this share of free storage. */
      warnRatio: ratio.default(0.5),
      /** Fail when it needs more than this share. */
      failRatio: ratio.default(0.9),
    })
    .prefault({}),
  connections: z.strictObject({ warnRatio: ratio.default(0.8), failRatio: ratio.default(0.95) }).prefault({}),
  offPeak: z
    .strictObject({
      /** Sessions running a query right now (this one aside). */
      maxActiveSessions: z.number().int().nonnegative().default(20),
      /** Commits plus rollbacks per second, over all databases, sampled over `sampleMs`. */
      maxTransactionsPerSecond: z.number().nonnegative().default(500),
      sampleMs: duration.default(1_000),
      /** What exceeding either limit means. */
      status: z.enum(['warn', 'fail']).default('fail'),
    })
    .prefault({}),
});

export type Thresholds = z.output<typeof thresholdsSchema>;
export type ThresholdsInput = z.input<typeof thresholdsSchema>;

/** Thresholds with their defaults filled in; a bad field is an InputError naming `source` (the file, or the execution input). */
export function parseThresholds(input: unknown, source: string): Thresholds {
  const parsed = thresholdsSchema.safeParse(input);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => ({ file: source, message: `${i.path.join('.') || '(top level)'}: ${i.message}` })));
  }
  return parsed.data;
}

export function pass(id: string, message: string, details?: unknown): PreflightResult {
  return { id, status: 'pass', message, remedy: '', ...(details !== undefined && { details }) };
}

export function verdict(id: string, status: PreflightStatus, message: string, remedy: string, details?: unknown): PreflightResult {
  return { id, status, message, remedy: status === 'pass' ? '' : remedy, ...(details !== undefined && { details }) };
}

/** `12 s`, `4.5 min`, `2 h`: durations in messages. */
export function humanMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

export function humanBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
