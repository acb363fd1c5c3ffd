import { parentPort, workerData } from 'node:worker_threads';
import { DeliveryWriter, type WriterRequest } from './delivery-writer.js';

const { dataDir, busyTimeoutMs } = workerData as { dataDir: string; busyTimeoutMs: number };
const writer = new DeliveryWriter(dataDir, busyTimeoutMs, true);
parentPort!.postMessage({ t: 'ready' });

parentPort!.on('message', (m: WriterRequest & { id: number }) => {
  try {
    parentPort!.postMessage({ id: m.id, ok: true, value: writer.handle(m) });
    if (m.t === 'commit') writer.indexCommitted();
  } catch (e) {
    const err = e as { message?: string; code?: string };
    parentPort!.postMessage({ id: m.id, ok: false, message: err.message ?? String(e), code: err.code });
  }
});
