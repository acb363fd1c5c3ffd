import { platform, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import { createLogger } from './logger.js';
import { startWorker } from '../pipeline/worker.js';

/**
 * `serve` runs the worker in its own thread: normalising a backlog is CPU
 * work that must never delay the edge's event loop (and its p99).
 * Progress is posted to the main thread for metrics.
 */
const config = workerData.config as Config;
// On Linux a thread's nice value is its own (NPTL), and pid 0 means this thread: the worker yields the
// CPU to the edge whenever both want it and still uses every idle cycle, so draining a backlog does not
// cost the edge its p99. Elsewhere it would renice the whole process, so it is Linux only.
if (platform() === 'linux') {
  try {
    setPriority(0, 10);
  } catch {
    /* not permitted: run at normal priority */
  }
}
const logger = createLogger(config.logLevel);
// User handlers run in this thread: an exception they leave behind (a throw in a timer) is logged, not fatal.
process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception in the worker (user handler?)'));
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection in the worker (user handler?)'));
const worker = await startWorker(config, logger, {
  onDrain: (deliveries, inserted, duplicates, ms, byKind) => parentPort?.postMessage({ t: 'drain', deliveries, inserted, duplicates, byKind, ms }),
  onJob: (job, ok, ms) => parentPort?.postMessage({ t: 'job', target: job.target, kind: job.event.kind, ok, ms }),
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
