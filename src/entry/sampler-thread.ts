import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import { readStoreSample } from '../telemetry/store-sample.js';
import { openReadStores } from './engine-session.js';
import { runAsBackground } from './thread-priority.js';

/**
 * The thread of entry/store-sampler.ts: reads one store sample per request.
 * It yields to the edge like the worker does: a sample is never urgent.
 */
const config = workerData.config as Config;
runAsBackground();
const stores = await openReadStores(config);
parentPort!.on('message', (m: { t: 'sample'; id: number } | { t: 'stop' }) => {
  if (m.t === 'stop') {
    void stores.close().finally(() => process.exit(0));
    return;
  }
  readStoreSample(stores.log, stores.query, stores.pipeline.jobs, Date.now()).then(
    (sample) => parentPort!.postMessage({ t: 'sample', id: m.id, sample }),
    (e: unknown) => parentPort!.postMessage({ t: 'failed', id: m.id, message: e instanceof Error ? e.message : String(e) }),
  );
});
parentPort!.postMessage({ t: 'ready' });
