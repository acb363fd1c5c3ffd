import type { Provider } from '../core/events.js';

/**
 * Where the receiving edge puts raw deliveries. Exact re-deliveries (same
 * tenant, provider and bytes) are recognised by the adapter and stored once. `append` resolves only once
 * the delivery is durable (committed and synced), which is what lets the
 * edge answer 200. Engines may share one commit between concurrent appends.
 */

export interface NewDelivery {
  readonly tenant: string;
  readonly provider: Provider;
  readonly receivedAt: number;
  /** The exact bytes received; signatures are verified over them again later. */
  readonly body: Uint8Array;
  /** Only the headers needed to verify the delivery again (never a plain secret). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface AppendResult {
  readonly id: number;
  readonly duplicate: boolean;
}

export interface StoredDelivery {
  readonly id: number;
  readonly tenant: string;
  readonly provider: Provider;
  readonly receivedAt: number;
  readonly bytes: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface DeliveryQuery {
  readonly afterId?: number;
  readonly limit?: number;
  readonly since?: number;
  readonly until?: number;
  readonly tenant?: string;
  /** Newest first (for inspection) instead of oldest first (for processing). */
  readonly newestFirst?: boolean;
  /** Skip the stored headers (the worker only needs bodies). */
  readonly withoutHeaders?: boolean;
}

/** Called once per delivery: with an error (nothing durable: answer 503), or with `null` and the result once durable. */
export type AppendDone = (err: unknown, result?: AppendResult) => void;

/** The edge's write side. */
export interface DeliveryStore {
  /** @example await store.append(delivery) // { id: 1, duplicate: false } — durable once resolved */
  append(delivery: NewDelivery): Promise<AppendResult>;
  /**
   * `append` with a callback: the edge's hot path, which then costs no promise
   * and no microtask per delivery. `done` is called exactly once.
   *
   * @example store.appendWith(delivery, (err, r) => (err !== null ? answer503(err) : answer200(r!)))
   */
  appendWith(delivery: NewDelivery, done: AppendDone): void;
  /** Counts a refused request by error code; best effort, batched with the next commit. */
  recordRejection(code: string): void;
  /** A real write and sync; rejects when the store cannot commit. */
  ping(): Promise<void>;
  /** Flushes pending appends, then closes. */
  close(): Promise<void>;
}

/** The read side, used by the worker, replay and the CLI, also while `serve` runs. */
export interface DeliveryReader {
  list(query: DeliveryQuery): Promise<StoredDelivery[]>;
  counters(): Promise<Record<string, number>>;
  /** Highest id stored so far (0 when empty). */
  maxId(): Promise<number>;
  /** Receive time of the first delivery after `afterId`, if any. */
  oldestAfter(afterId: number): Promise<{ id: number; receivedAt: number; count: number } | null>;
  close(): Promise<void>;
}
