import type { Logger } from 'pino';

/** What stopping may take beyond the drain of requests and jobs: closing stores, pools and threads. */
export const STOP_GRACE_MS = 5_000;

/**
 * A process told to stop must stop. What it waits on while stopping (a
 * request's commit, a job, a pool's connections) may never answer when the
 * database has gone silent rather than down; nothing held then was
 * answered 200, so the senders' retries still have it. After `ms` this logs
 * why and ends the process with status 1. The timer does not itself keep
 * the process alive; the returned function disarms it.
 *
 * @example const disarm = armStopWatchdog(2 * config.shutdownTimeoutMs + STOP_GRACE_MS, logger);
 */
export function armStopWatchdog(ms: number, logger: Logger): () => void {
  const timer = setTimeout(() => {
    logger.error({ afterMs: ms }, 'did not stop in time (a store or a handler that no longer answers); exiting, with what it was waiting on unanswered');
    // The log line is written before the exit, unless writing it is what hangs.
    setTimeout(() => process.exit(1), 1_000).unref();
    logger.flush(() => process.exit(1));
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
