import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { DeliveryWriter, type WriterRequest } from './delivery-writer.js';
import type { WriterAnswer } from './writer-link.js';
import { SharedCounter } from '../../core/shared-counter.js';

const { dataDir, busyTimeoutMs, answers, answered } = workerData as { dataDir: string; busyTimeoutMs: number; answers: MessagePort; answered: Int32Array };
const answeredCount = new SharedCounter(answered);
// Posted first, counted second: when the edge sees the count move, the answer is already in the port.
const answer = (a: WriterAnswer): void => {
  answers.postMessage(a);
  answeredCount.bump();
};
const writer = new DeliveryWriter(dataDir, busyTimeoutMs, true);
parentPort!.postMessage({ t: 'ready' });

parentPort!.on('message', (m: WriterRequest & { id: number }) => {
  try {
    answer({ id: m.id, ok: true, value: writer.handle(m) });
  } catch (e) {
    const err = e as { message?: string; code?: string };
    answer({ id: m.id, ok: false, message: err.message ?? String(e), code: err.code });
  }
  // After answering, so the edge's 200s never wait for the index. It never throws (a failing index is set aside).
  if (m.t === 'commit') writer.indexCommitted();
});
