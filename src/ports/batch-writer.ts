import type { AppendResult, NewDelivery } from '../core/delivery.js';
import type { ErrorCode } from '../core/errors.js';

/** The answers to one committed batch, by position in the batch. */
export interface BatchOutcome {
  result(i: number): AppendResult;
}

/**
 * What an engine implements to get group commit (src/edge/group-commit.ts):
 * one durable commit for a whole batch of deliveries. A writer on the
 * calling thread commits synchronously (`commitNow`); one on its own thread
 * or across the network answers a promise (`commit`).
 */
export interface BatchWriter<Row> {
  readonly sameThread: boolean;
  /**
   * Batches committing at once (default 1; always 1 on the calling thread).
   * More lets a request that arrives during a commit start the next one
   * instead of waiting for it; the writer must then keep them apart (a
   * counter row each, say).
   */
  readonly maxInFlight?: number;
  /** The engine's own form of a delivery, made as it arrives (on the edge's thread). */
  encode(d: NewDelivery): Row;
  rowBytes(row: Row): number;
  /** Same thread only: one durable commit, now; throws when nothing was committed. */
  commitNow(rows: readonly Row[], rejections: readonly [ErrorCode, number][]): BatchOutcome;
  commit(rows: readonly Row[], rejections: readonly [ErrorCode, number][]): Promise<BatchOutcome>;
  /** Same thread only: work deferred until the batch's callers were answered. */
  afterCommit(): void;
  /** Settles answers that already arrived from another thread (cheap enough to call per request). */
  poll(): void;
  /** A real write; after a failed batch of `bytes`, one of that size. */
  probe(bytes: number): Promise<void>;
  close(): Promise<void>;
}
