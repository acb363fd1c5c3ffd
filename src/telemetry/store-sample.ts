import type { DeliveryLog, EdgeCounters } from '../ports/delivery-log.js';
import type { EventQuery } from '../ports/event-query.js';
import type { JobQueue } from '../ports/job-queue.js';
import { pipelineState, type PipelineState } from '../pipeline/stats.js';

/**
 * What /metrics and the dashboard's live view read from the stores: the
 * edge's counters and the pipeline's state. Counting the backlog walks every
 * delivery behind the worker's checkpoint, so it costs more the longer the
 * backlog; `serve` reads it in a thread of its own (entry/store-sampler.ts)
 * and at most once per `SAMPLE_MAX_AGE_MS`, however often it is asked for.
 */
export interface StoreSample {
  /** When it was read, ms since the epoch. */
  readonly at: number;
  readonly edge: EdgeCounters;
  readonly state: PipelineState;
}

/** How stale a sample may be when it is served. */
export const SAMPLE_MAX_AGE_MS = 1000;

export async function readStoreSample(log: DeliveryLog, query: EventQuery, jobs: JobQueue, now: number): Promise<StoreSample> {
  const edge = await log.edgeCounters();
  const state = await pipelineState(log, query, jobs, now);
  return { at: now, edge, state };
}

/** The oldest pending delivery's age at `now`, from a sample taken earlier. */
export function pendingAgeMs(s: StoreSample, now: number): number {
  return s.state.queueDepth > 0 ? s.state.oldestPendingAgeMs + Math.max(0, now - s.at) : 0;
}

/**
 * A value read at most once per `maxAgeMs`: callers within that time share
 * the last value, and callers while a read runs share that read. A failed
 * read is not kept, so the next caller tries again.
 *
 * @example
 * const sample = new Cached(() => sampler.sample(), 1000);
 * await sample.get(); // reads
 * await sample.get(); // the same value, no read
 */
export class Cached<T> {
  private value: T | undefined;
  private readAt = 0;
  private pending: Promise<T> | null = null;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  get(): Promise<T> {
    if (this.value !== undefined && this.clock() - this.readAt < this.maxAgeMs) return Promise.resolve(this.value);
    if (this.pending !== null) return this.pending;
    // The age counts from when the read started: what it returns is at least that old.
    const started = this.clock();
    const p = this.read().then(
      (v) => {
        this.value = v;
        this.readAt = started;
        this.pending = null;
        return v;
      },
      (e: unknown) => {
        this.pending = null;
        throw e;
      },
    );
    this.pending = p;
    return p;
  }
}
