import { Worker } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import type { StoreSample } from '../telemetry/store-sample.js';

export interface StoreSampler {
  /** One fresh sample, read in the sampler's thread. */
  sample(): Promise<StoreSample>;
  /** Stops the thread; samples still asked for are refused. */
  close(): Promise<void>;
}

type Reply = { t: 'ready' } | { t: 'sample'; id: number; sample: StoreSample } | { t: 'failed'; id: number; message: string };

/**
 * Reads store samples (the edge's counters and the pipeline's state, see
 * telemetry/store-sample.ts) in a thread of its own, so counting a backlog
 * never holds the event loop that answers webhooks. The thread starts with
 * the first sample asked for, and again after it died.
 *
 * @example
 * const sampler = startStoreSampler(config);
 * const admin = createAdminData(stores, hub, prices, () => sampler.sample());
 */
export function startStoreSampler(config: Config): StoreSampler {
  let thread: Worker | null = null;
  let ready: Promise<Worker> | null = null;
  let closed = false;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (s: StoreSample) => void; reject: (e: Error) => void }>();

  const failAll = (e: Error): void => {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };

  const start = (): Promise<Worker> => {
    const t = new Worker(new URL('./sampler-thread.js', import.meta.url), { workerData: { config } });
    // A sampler must not keep `serve` alive on its own.
    t.unref();
    thread = t;
    return new Promise((resolve, reject) => {
      t.on('message', (m: Reply) => {
        if (m.t === 'ready') return resolve(t);
        const w = waiting.get(m.id);
        if (w === undefined) return;
        waiting.delete(m.id);
        if (m.t === 'sample') w.resolve(m.sample);
        else w.reject(new Error(`store sample failed: ${m.message}`));
      });
      t.once('error', reject);
      t.once('exit', (code) => {
        if (thread === t) {
          thread = null;
          ready = null;
        }
        const e = new Error(`store sampler thread exited with ${code}`);
        reject(e);
        failAll(e);
      });
    });
  };

  return {
    async sample() {
      if (closed) throw new Error('store sampler closed');
      ready ??= start();
      const t = await ready;
      const id = nextId++;
      return new Promise<StoreSample>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        t.postMessage({ t: 'sample', id });
      });
    },
    async close() {
      closed = true;
      const t = thread;
      if (t === null) return;
      const exited = new Promise((r) => t.once('exit', r));
      t.postMessage({ t: 'stop' });
      const timer = setTimeout(() => void t.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
