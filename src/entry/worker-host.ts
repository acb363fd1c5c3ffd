import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';

export type WorkerMessage =
  | { t: 'drain'; deliveries: number; inserted: number; duplicates: number; byKind: Record<string, number>; ms: number }
  | { t: 'job'; target: string; kind: string; ok: boolean; ms: number };

/** Starts the worker thread beside the edge; `stop` waits for in-flight jobs to finish. */
export async function startWorkerThread(config: Config, logger: Logger, onMessage?: (m: WorkerMessage) => void): Promise<{ stop(): Promise<void> }> {
  const thread = new Worker(new URL('./worker-thread.js', import.meta.url), { workerData: { config } });
  await new Promise<void>((resolve, reject) => {
    thread.once('error', reject);
    thread.on('message', (m: { t: string }) => {
      if (m.t === 'ready') resolve();
      else if (m.t === 'drain' || m.t === 'job') onMessage?.(m as WorkerMessage);
    });
    thread.once('exit', (code) => reject(new Error(`worker thread exited with ${code}`)));
  });
  thread.on('error', (e) => logger.error({ err: e }, 'worker thread failed'));
  return {
    stop: async () => {
      const exited = new Promise((r) => thread.once('exit', r));
      thread.postMessage({ t: 'stop' });
      await exited;
    },
  };
}
