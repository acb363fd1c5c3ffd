import { GatewayError } from '../../core/errors.js';
import type { AppendDone, AppendResult, DeliveryStore, NewDelivery } from '../../ports/delivery-store.js';
import { DeliveryWriter } from './delivery-writer.js';
import { inline, threaded, type WriterCalls } from './writer-link.js';
import { packBatch, unpackResult, type WireDelivery } from './delivery-wire.js';

export { DELIVERIES_FILE } from './delivery-writer.js';

interface Pending {
  readonly wire: WireDelivery;
  readonly done: AppendDone;
}

export interface SqliteDeliveryStoreOptions {
  readonly dataDir: string;
  readonly busyTimeoutMs?: number;
  /** Commit in a writer thread (default) or on the calling thread. */
  readonly thread?: boolean;
  /** With `thread: false`: checkpoint in a thread of its own and flush the index on a timer, as a long-running server needs. */
  readonly serving?: boolean;
  /** Called after each commit with its size, for telemetry. */
  readonly onCommit?: (rows: number, ms: number) => void;
}

/**
 * Group commit, pipelined: while one batch is being committed (and synced),
 * the next one fills up; it is sent the moment the disk is free. Batches
 * therefore grow with load and with fsync latency, and the event loop never
 * waits on the disk. A 200 is only sent once `append` resolves.
 *
 * Measured on the project's 2-core machine: group commit is 6.5–7x one fsync
 * per request at 100 connections, and a timer-based flush costs 3x at 10.
 */
export class SqliteDeliveryStore implements DeliveryStore {
  private writer: WriterCalls;
  private queue: Pending[] = [];
  private rejections = new Map<string, number>();
  private inFlight = false;
  private scheduled = false;
  private closed = false;
  private failedBytes = 0;

  private constructor(private readonly opts: SqliteDeliveryStoreOptions, writer: WriterCalls) {
    this.writer = writer;
  }

  static async open(opts: SqliteDeliveryStoreOptions): Promise<SqliteDeliveryStore> {
    const busy = opts.busyTimeoutMs ?? 1000;
    // Opening here first surfaces config and schema errors synchronously at start.
    const probe = new DeliveryWriter(opts.dataDir, busy, opts.thread === false && opts.serving === true);
    if (opts.thread === false) return new SqliteDeliveryStore(opts, opts.serving ? inline(probe, opts.dataDir) : inline(probe));
    probe.close();
    return new SqliteDeliveryStore(opts, await threaded(opts.dataDir, busy));
  }

  append(delivery: NewDelivery): Promise<AppendResult> {
    return new Promise((resolve, reject) => this.appendWith(delivery, (e, r) => (e === null ? resolve(r!) : reject(e))));
  }

  appendWith(delivery: NewDelivery, done: AppendDone): void {
    this.writer.poll();
    if (this.closed) return done(new GatewayError('WAHOOK_ERR_SHUTTING_DOWN'));
    const wire: WireDelivery = { tenant: delivery.tenant, provider: delivery.provider, receivedAt: delivery.receivedAt, body: delivery.body, headers: JSON.stringify(delivery.headers) };
    this.queue.push({ wire, done });
    this.schedule();
  }

  recordRejection(code: string): void {
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1);
    this.schedule();
  }

  async ping(): Promise<void> {
    try {
      await this.writer.call({ t: 'probe', bytes: this.failedBytes });
      this.failedBytes = 0;
    } catch (e) {
      throw new GatewayError('WAHOOK_ERR_STORE_UNAVAILABLE', undefined, { cause: e });
    }
  }

  /** Runs one SQL statement on the writer's connection (operations and tests, e.g. a checkpoint). */
  exec(sql: string): Promise<unknown> {
    return this.writer.call({ t: 'exec', sql });
  }

  async close(): Promise<void> {
    while (this.inFlight || this.queue.length > 0 || this.rejections.size > 0) {
      if (!this.inFlight) await this.flush();
      else await new Promise((r) => setTimeout(r, 1));
    }
    this.closed = true;
    await this.writer.close();
  }

  /**
   * Hand the queue to the writer as soon as it is free (after the current
   * callback, so one request's work is complete) rather than after the whole
   * I/O phase: otherwise parsing a burst and committing it alternate in
   * lockstep and each thread idles while the other works.
   */
  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    const go = (): void => {
      this.scheduled = false;
      void this.flush();
    };
    // On this thread a commit blocks: gather the whole I/O phase's requests into it first.
    if (this.writer.sameThread) setImmediate(go);
    else queueMicrotask(go);
  }

  private async flush(): Promise<void> {
    if (this.inFlight || (this.queue.length === 0 && this.rejections.size === 0)) return;
    const batch = this.queue;
    const rejections = [...this.rejections];
    this.queue = [];
    this.rejections = new Map();
    this.inFlight = true;
    const started = performance.now();
    const rows = batch.map((p) => p.wire);
    let results: Float64Array | undefined;
    let failure: unknown;
    try {
      results = this.writer.sameThread
        ? this.writer.commitNow(rows, rejections)
        : ((await this.writer.call({ t: 'commit', ...packBatch(rows), rejections })) as Float64Array);
    } catch (e) {
      failure = e;
    }
    this.inFlight = false;
    try {
      if (results !== undefined) {
        if (batch.length > 0) this.failedBytes = 0;
        this.opts.onCommit?.(batch.length, performance.now() - started);
        for (let i = 0; i < batch.length; i++) batch[i]!.done(null, unpackResult(results, i));
      } else {
        // Nothing in this batch is durable: every caller answers 503 and Meta retries.
        const err = new GatewayError('WAHOOK_ERR_STORE_UNAVAILABLE', undefined, { cause: failure });
        this.failedBytes = Math.max(1, batch.reduce((n, p) => n + p.wire.body.length, 0));
        for (const p of batch) p.done(err);
      }
    } finally {
      if (this.writer.sameThread && results !== undefined) this.writer.afterCommit();
      if (this.queue.length > 0 || this.rejections.size > 0) this.schedule();
    }
  }
}
