import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { SharedCounter } from '../../core/shared-counter.js';
import type { ErrorCode } from '../../core/errors.js';
import { type DeliveryWriter, type WireDelivery, type WriterRequest } from './delivery-writer.js';

/** What the writer thread posts back for each call. */
export interface WriterAnswer {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly message?: string;
  readonly code?: string;
}

/** The writer's calls, whether it runs on this thread or in its own. */
export interface WriterCalls {
  /** True when the writer runs on the calling thread: the store then uses commitNow() and afterCommit(). */
  readonly sameThread: boolean;
  call(msg: WriterRequest): Promise<unknown>;
  /** On the same thread only: one synced commit, now (throws what the commit throws). */
  commitNow(rows: readonly WireDelivery[], rejections: [ErrorCode, number][]): Float64Array;
  /** On the same thread only: after the answers to a commit were given, index its deliveries. */
  afterCommit(): void;
  /** Settles calls whose answers have already arrived (cheap enough to call per request). */
  poll(): void;
  close(): Promise<void>;
}

/** The writer on the calling thread. */
export function inline(w: DeliveryWriter): WriterCalls {
  return {
    sameThread: true,
    call: async (m) => w.handle(m),
    commitNow: (rows, rejections) => w.commit(rows, rejections),
    afterCommit: () => w.indexCommitted(),
    poll() {},
    async close() {
      w.close();
    },
  };
}

const notHere = (): never => {
  throw new Error('only for a writer on the same thread');
};

export async function threaded(dataDir: string, busyTimeoutMs: number): Promise<WriterCalls> {
  // Answers come back on their own port, and the writer bumps `answered` after each one.
  const { port1: answers, port2 } = new MessageChannel();
  const answered = new SharedCounter();
  const answeredSinceLastPoll = answered.watcher();
  const thread = new Worker(new URL('./delivery-writer-thread.js', import.meta.url), { workerData: { dataDir, busyTimeoutMs, answers: port2, answered: answered.shared }, transferList: [port2] });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let seq = 0;
  let dead: Error | null = null;
  await new Promise<void>((resolve, reject) => {
    thread.once('message', () => resolve());
    thread.once('error', reject);
  });
  const settle = (m: WriterAnswer): void => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(Object.assign(new Error(m.message), { code: m.code }));
  };
  const settleArrived = (): void => {
    for (let r = receiveMessageOnPort(answers); r !== undefined; r = receiveMessageOnPort(answers)) settle(r.message as WriterAnswer);
  };
  answers.on('message', settle);
  thread.on('exit', (code) => {
    // Answers the thread posted before it died are still in the port: settle them first.
    settleArrived();
    dead = new Error(`delivery writer thread exited (${code})`);
    for (const w of waiting.values()) w.reject(dead);
    waiting.clear();
  });
  return {
    sameThread: false,
    commitNow: notHere,
    afterCommit: notHere,
    /**
     * Under load the event loop reaches the answers port only after a whole
     * round of socket reads, and the batch behind it waits. Checking a shared counter on
     * every request takes the answer within one request's time.
     */
    poll: () => {
      if (answeredSinceLastPoll()) settleArrived();
    },
    call: (msg) =>
      new Promise((resolve, reject) => {
        if (dead) return reject(dead);
        const id = ++seq;
        waiting.set(id, { resolve, reject });
        thread.postMessage({ ...msg, id }, msg.t === 'commit' ? [msg.bytes.buffer as ArrayBuffer, msg.rows.buffer as ArrayBuffer] : []);
      }),
    close: async () => {
      if (dead) return;
      await new Promise<void>((resolve) => {
        const id = ++seq;
        waiting.set(id, { resolve: () => resolve(), reject: () => resolve() });
        thread.postMessage({ t: 'close', id });
      });
      answers.close();
      await thread.terminate();
    },
  };
}
