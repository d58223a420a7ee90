import cliProgress from 'cli-progress';
import type { EngineEvent } from '../../lambdas/engine/events.ts';

const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`);

/**
 * Draws engine events for a person: one line per migration, and for batches a progress bar in a
 * terminal or a log line every few seconds otherwise (CI logs, Lambda).
 */
export function consoleReporter(out: NodeJS.WriteStream = process.stderr, logEveryMs = 5000): { onEvent: (e: EngineEvent) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  let lastLog = 0;
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const onEvent = (e: EngineEvent): void => {
    switch (e.type) {
      case 'migration-start':
        out.write(`${e.direction === 'up' ? '→' : '←'} ${e.version} ${e.name} (${e.file}, ${e.mode})\n`);
        break;
      case 'migration-done':
        stopBar();
        out.write(`  ${e.direction === 'up' ? 'applied' : 'reversed'} ${e.version} in ${seconds(e.durationMs)}\n`);
        break;
      case 'retry':
        out.write(`  ${e.file}:${e.line}: lock not available (${e.sqlState}), retry ${e.attempt} in ${seconds(e.delayMs)}\n`);
        break;
      case 'invalid-index-dropped':
        out.write(`  dropped INVALID index ${e.index} left by an interrupted build; building it again\n`);
        break;
      case 'statement-skipped':
        out.write(`  ${e.file}:${e.line}: skipped: ${e.reason}\n`);
        break;
      case 'paused':
        stopBar();
        out.write(`  paused: ${e.reason}\n`);
        break;
      case 'batch': {
        const eta = e.etaMs === undefined ? '?' : seconds(e.etaMs);
        if (out.isTTY) {
          bar ??= new cliProgress.SingleBar(
            { format: '  {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {etaText}', hideCursor: true, stream: out },
            cliProgress.Presets.shades_classic,
          );
          if (!bar.isActive) bar.start(e.rowsTotal, e.rowsDone, { rate: 0, etaText: eta });
          bar.setTotal(e.rowsTotal);
          bar.update(e.rowsDone, { rate: Math.round(e.rowsPerSecond), etaText: eta });
        } else if (Date.now() - lastLog >= logEveryMs || e.rowsDone >= e.rowsTotal) {
          lastLog = Date.now();
          out.write(`  ${e.file}:${e.line}: ${e.rowsDone}/${e.rowsTotal} rows, ${Math.round(e.rowsPerSecond)} rows/s, ETA ${eta}\n`);
        }
        break;
      }
      case 'batch-done':
        stopBar();
        out.write(`  ${e.file}:${e.line}: ${e.rowsDone} rows in ${seconds(e.durationMs)}\n`);
        break;
    }
  };
  return { onEvent, stop: stopBar };
}
