import { parentPort, workerData } from 'node:worker_threads';
import { DeliveryWriter, type WireDelivery } from './delivery-writer.js';
import { unpackBatch } from './delivery-store.js';

type Request =
  | { t: 'commit'; id: number; meta: Omit<WireDelivery, 'body'>[]; bodies: Uint8Array; ends: number[]; rejections: [string, number][] }
  | { t: 'probe'; id: number; bytes: number }
  | { t: 'exec'; id: number; sql: string }
  | { t: 'close'; id: number };

const { dataDir, busyTimeoutMs } = workerData as { dataDir: string; busyTimeoutMs: number };
const writer = new DeliveryWriter(dataDir, busyTimeoutMs, true);
parentPort!.postMessage({ t: 'ready' });

parentPort!.on('message', (m: Request) => {
  try {
    switch (m.t) {
      case 'commit':
        parentPort!.postMessage({ id: m.id, ok: true, value: writer.commit(unpackBatch(m), m.rejections) });
        return;
      case 'probe':
        writer.probe(m.bytes);
        parentPort!.postMessage({ id: m.id, ok: true });
        return;
      case 'exec':
        parentPort!.postMessage({ id: m.id, ok: true, value: writer.db.prepare(m.sql).reader ? writer.db.prepare(m.sql).all() : writer.db.prepare(m.sql).run().changes });
        return;
      case 'close':
        writer.close();
        parentPort!.postMessage({ id: m.id, ok: true });
        return;
    }
  } catch (e) {
    const err = e as { message?: string; code?: string };
    parentPort!.postMessage({ id: m.id, ok: false, message: err.message ?? String(e), code: err.code });
  }
});
