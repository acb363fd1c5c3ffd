import type { DriveState } from './drive.js';

export interface ProgressSink {
  write(s: string): void;
  readonly isTTY?: boolean;
}

/**
 * A live progress line while a run sends: redrawn in place four times a
 * second on a terminal, one plain line a second otherwise (logs, CI).
 */
export function startProgress(sink: ProgressSink, total: number, state: DriveState): { stop(): void } {
  const started = performance.now();
  const line = (): string => {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    const pct = Math.floor((100 * state.sent) / Math.max(1, total));
    const retries = state.retries > 0 ? `  retries ${state.retries}` : '';
    return `${s} s  sent ${state.sent}/${total} (${pct}%)  ok ${state.ok}  not ok ${state.answered - state.ok + state.failed}${retries}`;
  };
  const tty = sink.isTTY === true;
  const timer = setInterval(() => sink.write(tty ? `\r\x1b[2K${line()}` : `${line()}\n`), tty ? 250 : 1000);
  return {
    stop: () => {
      clearInterval(timer);
      sink.write(tty ? `\r\x1b[2K${line()}\n` : `${line()}\n`);
    },
  };
}
