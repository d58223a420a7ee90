/** What the engine reports while it works; the CLI draws it, the Lambdas log it. */
export type EngineEvent =
  | { type: 'migration-start'; direction: 'up' | 'down'; version: string; name: string; file: string; mode: 'transaction' | 'autocommit' }
  | { type: 'migration-done'; direction: 'up' | 'down'; version: string; name: string; durationMs: number }
  | { type: 'statement-skipped'; version: string; file: string; line: number; reason: string }
  | { type: 'retry'; version: string; file: string; line: number; attempt: number; delayMs: number; sqlState: string }
  | { type: 'invalid-index-dropped'; version: string; index: string }
  | { type: 'batch'; version: string; file: string; line: number; rowsDone: number; rowsTotal: number; rowsPerSecond: number; etaMs: number | undefined }
  | { type: 'batch-done'; version: string; file: string; line: number; rowsDone: number; durationMs: number }
  | { type: 'paused'; version: string; reason: string };

export type EventSink = (event: EngineEvent) => void;
