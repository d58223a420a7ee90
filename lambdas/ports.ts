import type pg from 'pg';

/**
 * Opens direct connections to the database being migrated (the writer endpoint, never through
 * RDS Proxy: session advisory locks and session settings pin or break pooled connections).
 * Locally a URL; on AWS, credentials from Secrets Manager.
 */
export interface Connector {
  connect(): Promise<pg.Client>;
  /** A description safe to print: host, port and database, never the password. */
  describe(): string;
}

/** The subset of Powertools Logger the engine uses, so it can log without knowing where to. */
export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
