import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import { createLogger } from './logger.js';
import { observeWorker, runWorker } from './run-worker.js';
import { runAsBackground } from './thread-priority.js';
import { EdgeActivity } from '../pipeline/pacing.js';

/**
 * `serve` runs the worker in its own thread: normalising a backlog is CPU
 * work that must never delay the edge's event loop (and its p99).
 * Progress is posted to the main thread for metrics.
 */
const config = workerData.config as Config;
/** Failed steps in a row after which the thread starts over (the worker waits longer after each: see failureBackoffMs). */
// A store that is down for a moment (a database or Redis restarting) is waited out with the same connections;
// only steps that keep failing for this long restart the thread. A restart costs a queue consumer its identity,
// and what it held then waits for another consumer's takeover.
const RESTART_AFTER_FAILED_STEPS = 5;
const RESTART_AFTER_FAILING_MS = 10_000;
let failingSince = 0;
const edge = workerData.edgeActivity ? new EdgeActivity(workerData.edgeActivity as Int32Array) : undefined;
// The edge's p99 comes first: draining a backlog uses only the CPU the edge leaves idle.
const priority = runAsBackground();
const logger = createLogger(config.logLevel);
logger.debug({ priority }, 'worker thread priority');
// User handlers run in this thread: an exception they leave behind (a throw in a timer) is logged, not fatal.
process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception in the worker (user handler?)'));
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection in the worker (user handler?)'));
// A start that fails (a store still unreachable, a handler module that does not load) ends the thread, so that
// the supervisor tries again; left to the handlers above, it would leave a thread alive that drains nothing.
const worker = await runWorker(config, logger, {
  pace: edge?.pacer(),
  jobPace: edge?.pacer(),
  mediaPace: edge?.pacer(),
  ...observeWorker((m) => parentPort?.postMessage(m)),
  onStepFailed: (inARow) => {
    if (inARow === 1) failingSince = Date.now();
    if (inARow < RESTART_AFTER_FAILED_STEPS || Date.now() - failingSince < RESTART_AFTER_FAILING_MS) return;
    // A SQLite connection that met a read-only data dir stays read-only after the dir is writable again; the
    // thread exits, and the supervisor (worker-host.ts) starts a new one with new connections.
    logger.error({ inARow }, 'worker steps keep failing; restarting the thread with new store connections');
    process.exit(1);
  },
}).catch((e: unknown) => {
  logger.error({ err: e }, 'worker could not start');
  logger.flush();
  process.exit(1);
});
parentPort?.postMessage({ t: 'ready' });
parentPort?.on('message', (m: { t: string }) => {
  if (m.t !== 'stop') return;
  void worker.stop().then(() => {
    logger.flush();
    parentPort?.postMessage({ t: 'stopped' });
    process.exit(0);
  });
});
