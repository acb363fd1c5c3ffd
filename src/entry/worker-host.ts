import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { WorkerObservation } from '../ports/telemetry.js';

export type WorkerMessage = WorkerObservation;

function spawn(config: Config, onMessage?: (m: WorkerMessage) => void, edgeActivity?: Int32Array): Promise<Worker> {
  const thread = new Worker(new URL('./worker-thread.js', import.meta.url), { workerData: { config, edgeActivity } });
  return new Promise((resolve, reject) => {
    const failed = (e: unknown): void => reject(e instanceof Error ? e : new Error(`worker thread exited with ${String(e)}`));
    thread.once('error', failed);
    thread.once('exit', failed);
    thread.on('message', (m: { t: string }) => {
      if (m.t === 'ready') {
        thread.off('error', failed);
        thread.off('exit', failed);
        resolve(thread);
      } else if (m.t === 'drain' || m.t === 'job') onMessage?.(m as WorkerMessage);
    });
  });
}

/**
 * Runs the worker thread beside the edge and keeps it running: a thread that
 * dies (a crash in user code, a failed write) is restarted after a second,
 * and again every second for as long as it fails to start,
 * and its cursor makes the restart lose and repeat nothing. `stop` lets
 * in-flight jobs finish for up to `shutdownTimeoutMs`.
 */
export async function startWorkerThread(config: Config, logger: Logger, onMessage?: (m: WorkerMessage) => void, edgeActivity?: Int32Array): Promise<{ stop(): Promise<void> }> {
  let thread: Worker | null = null;
  let stopping = false;
  const supervise = (t: Worker): void => {
    t.once('error', (e) => logger.error({ err: e }, 'worker thread failed'));
    t.once('exit', (code) => {
      if (thread !== t) return;
      thread = null;
      if (stopping) return;
      logger.error({ code }, 'worker thread exited; restarting in 1 s');
      restart();
    });
  };
  // A start that fails (the data dir still read-only, a handler module still broken) is tried again every
  // second: given up on, the edge would keep storing deliveries that nothing ever drains.
  const restart = (): void => {
    setTimeout(() => {
      if (stopping) return;
      spawn(config, onMessage, edgeActivity).then(
        (next) => {
          if (stopping) return void next.terminate();
          thread = next;
          supervise(next);
        },
        (e: unknown) => {
          logger.error({ err: e }, 'worker thread did not restart; trying again in 1 s');
          restart();
        },
      );
    }, 1000).unref();
  };
  try {
    thread = await spawn(config, onMessage, edgeActivity);
    supervise(thread);
  } catch (e) {
    // The edge is already taking webhooks: a worker that cannot start yet (its store not reachable) is retried.
    logger.error({ err: e }, 'worker thread did not start; trying again in 1 s');
    restart();
  }
  return {
    stop: async () => {
      stopping = true;
      const t = thread;
      if (t === null) return;
      const exited = new Promise((r) => t.once('exit', r));
      t.postMessage({ t: 'stop' });
      const timer = setTimeout(() => void t.terminate(), config.shutdownTimeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
