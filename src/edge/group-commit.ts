import { GatewayError, type ErrorCode } from '../core/errors.js';
import type { NewDelivery } from '../core/delivery.js';
import type { BatchOutcome, BatchWriter } from '../ports/batch-writer.js';
import type { AppendDone, AppendResult, DeliveryStore } from '../ports/delivery-log.js';

interface Pending<Row> {
  readonly row: Row;
  readonly done: AppendDone;
}

/**
 * Group commit over any engine's BatchWriter. Requests that arrive while a
 * commit is under way share the next one, so batches grow with load and
 * with the engine's commit latency. A writer on another thread (or across
 * the network) is pipelined: the next batch fills while this one commits,
 * and one that allows several batches at once (maxInFlight) starts the
 * next as soon as it has a request and a free slot.
 * A writer on the calling thread takes every request read in one turn of
 * the event loop. Either way a caller is answered only once its batch is
 * durable, and every caller of a failed batch gets 503.
 */
export class GroupCommit<Row> implements DeliveryStore {
  private queue: Pending<Row>[] = [];
  private rejections = new Map<ErrorCode, number>();
  private inFlight = 0;
  private readonly maxInFlight: number;
  private scheduled = false;
  private closed = false;
  private failedBytes = 0;

  constructor(
    private readonly writer: BatchWriter<Row>,
    private readonly onCommit?: (rows: number, ms: number) => void,
  ) {
    this.maxInFlight = writer.sameThread ? 1 : Math.max(1, writer.maxInFlight ?? 1);
  }

  append(delivery: NewDelivery): Promise<AppendResult> {
    return new Promise((resolve, reject) => this.appendWith(delivery, (e, r) => (e === null ? resolve(r!) : reject(e))));
  }

  appendWith(delivery: NewDelivery, done: AppendDone): void {
    this.writer.poll();
    if (this.closed) return done(new GatewayError('WAHOOK_ERR_SHUTTING_DOWN'));
    this.queue.push({ row: this.writer.encode(delivery), done });
    this.schedule();
  }

  recordRejection(code: ErrorCode): void {
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1);
    this.schedule();
  }

  async ping(): Promise<void> {
    try {
      await this.writer.probe(this.failedBytes);
      this.failedBytes = 0;
    } catch (e) {
      throw new GatewayError('WAHOOK_ERR_STORE_UNAVAILABLE', undefined, { cause: e });
    }
  }

  async close(): Promise<void> {
    while (this.inFlight > 0 || this.pending()) {
      if (this.pending() && this.inFlight < this.maxInFlight) await this.flush();
      else await new Promise((r) => setTimeout(r, 1));
    }
    this.closed = true;
    await this.writer.close();
  }

  private pending(): boolean {
    return this.queue.length > 0 || this.rejections.size > 0;
  }

  /**
   * A writer elsewhere gets the queue as soon as it is free (after the
   * current callback, so one request's work is complete) rather than after
   * the whole I/O phase: otherwise parsing a burst and committing it
   * alternate in lockstep and each side idles while the other works. A
   * writer on this thread blocks it, so it waits for the end of the I/O
   * phase and takes every request read in it.
   */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    const go = (): void => {
      this.scheduled = false;
      void this.flush();
    };
    if (this.writer.sameThread) setImmediate(go);
    // A resolved promise runs `go` in the same microtask queueMicrotask would, without the async resource
    // queueMicrotask makes on every call (go never throws: flush keeps its own errors).
    else void Promise.resolve().then(go);
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.maxInFlight || !this.pending()) return;
    const batch = this.queue;
    const rejections = [...this.rejections];
    this.queue = [];
    this.rejections = new Map();
    this.inFlight++;
    // Timed only for a listener: a process's first performance.now() loads Node's whole performance module.
    const started = this.onCommit === undefined ? 0 : performance.now();
    const rows = batch.map((p) => p.row);
    let outcome: BatchOutcome | undefined;
    let failure: unknown;
    try {
      outcome = this.writer.sameThread ? this.writer.commitNow(rows, rejections) : await this.writer.commit(rows, rejections);
    } catch (e) {
      failure = e;
    }
    this.inFlight--;
    // Each caller is answered on its own: one callback that throws must not leave the rest unanswered.
    let thrown: unknown;
    // One function per batch, not a closure per delivery: this runs for every request.
    const answer = (done: AppendDone, err: unknown, result?: AppendResult): void => {
      try {
        done(err, result);
      } catch (e) {
        thrown ??= e;
      }
    };
    try {
      if (outcome !== undefined) {
        if (batch.length > 0) this.failedBytes = 0;
        try {
          this.onCommit?.(batch.length, performance.now() - started);
        } catch (e) {
          thrown ??= e;
        }
        for (let i = 0; i < batch.length; i++) answer(batch[i]!.done, null, outcome.result(i));
      } else {
        // Nothing in this batch is durable: every caller answers 503 and the sender retries.
        const err = new GatewayError('WAHOOK_ERR_STORE_UNAVAILABLE', undefined, { cause: failure });
        this.failedBytes = Math.max(1, batch.reduce((n, p) => n + this.writer.rowBytes(p.row), 0));
        for (const p of batch) answer(p.done, err);
      }
    } finally {
      if (this.writer.sameThread && outcome !== undefined) this.writer.afterCommit();
      if (this.pending()) this.schedule();
    }
    // Raised where it cannot stop the store: as an uncaught exception, like a throw in any callback.
    if (thrown !== undefined) queueMicrotask(() => { throw thrown; });
  }
}
