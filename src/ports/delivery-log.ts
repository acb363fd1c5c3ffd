import type { AppendResult, DeliveryId, NewDelivery } from '../core/delivery.js';
import type { ErrorCode } from '../core/errors.js';
import type { Provider } from '../core/events.js';

export type { AppendResult, DeliveryId, NewDelivery } from '../core/delivery.js';

/**
 * The delivery log: every raw delivery the edge accepted, durable before
 * its 200, read back in order by the worker.
 *
 * A `Checkpoint` is a position in the log, opaque to everyone but the engine:
 * a row id, a stream id, or a token that stands for what a worker has taken
 * (engines with concurrent writers encode whatever makes "after" safe).
 * `START` is the position before the first delivery.
 */
export type Checkpoint = string;
export const START: Checkpoint = '';

/** What lies behind the worker: see DeliveryLog.backlog. */
export interface Backlog {
  readonly count: number;
  readonly oldestReceivedAt: number | null;
  readonly approximate?: boolean;
}

export interface StoredDelivery {
  readonly id: DeliveryId;
  readonly tenant: string;
  readonly provider: Provider;
  readonly receivedAt: number;
  readonly bytes: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /**
   * The ordering group a FIFO queue keeps it in (its message group), when the log has one: a delivery is never
   * stored ahead of an earlier one of its group that failed.
   */
  readonly group?: string;
}

/** Called once per delivery: with an error (nothing durable: answer 503), or with `null` and the result once durable. */
export type AppendDone = (err: unknown, result?: AppendResult) => void;

/**
 * The edge's write side. Exact re-deliveries (same tenant, provider and
 * bytes) are recognised and stored once. Engines may share one commit
 * between concurrent appends (see GroupCommit).
 */
export interface DeliveryStore {
  /** @example await store.append(delivery) // { id: '1', duplicate: false } — durable once resolved */
  append(delivery: NewDelivery): Promise<AppendResult>;
  /**
   * `append` with a callback: the edge's hot path, which then costs no
   * promise and no microtask per delivery. `done` is called exactly once.
   */
  appendWith(delivery: NewDelivery, done: AppendDone): void;
  /** Counts a refused request by its error code; best effort, batched with the next commit. */
  recordRejection(code: ErrorCode): void;
  /** A real write and sync; rejects when the store cannot commit. */
  ping(): Promise<void>;
  /** Flushes pending appends, then closes. */
  close(): Promise<void>;
}

/** What the edge counted: requests received, deliveries stored, exact re-deliveries, and refusals by code. */
export interface EdgeCounters {
  readonly received: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly rejected: Partial<Record<ErrorCode, number>>;
  /** Deliveries a queue moved to its dead-letter stream after too many deliveries to workers (Redis Streams). */
  readonly deadLettered?: number;
}

export interface LogFilter {
  readonly since?: number;
  readonly until?: number;
  readonly tenant?: string;
  /** Nothing past this position (replay stops where the worker is). */
  readonly upTo?: Checkpoint;
  /** Also read the stored headers (the worker needs only bodies). */
  readonly withHeaders?: boolean;
}

export interface LogPage {
  /** Oldest first. */
  readonly deliveries: readonly StoredDelivery[];
  /** The position just past the last delivery returned (`from` when none was). */
  readonly next: Checkpoint;
}

/** The read side: the worker, replay, the CLI and the dashboard, also while `serve` runs. */
export interface DeliveryLog {
  /**
   * A delivery becomes readable once it is durable and no delivery that
   * could still commit would sort before it; an engine may hold it back
   * briefly for that, and never skips one.
   * @example const { deliveries, next } = await log.read(START, 500)
   */
  read(from: Checkpoint, limit: number, filter?: LogFilter): Promise<LogPage>;
  /** The newest deliveries first, for inspection. */
  latest(limit: number): Promise<StoredDelivery[]>;
  /**
   * How many deliveries lie after `from`, and the receive time of the oldest
   * of them. A queue answers its own depth, `approximate` (SQS's counts lag
   * by design), with no receive time when it cannot tell one.
   */
  backlog(from: Checkpoint): Promise<Backlog | null>;
  edgeCounters(): Promise<EdgeCounters>;
  /**
   * Present on a log whose reads are leases (SQS, a Redis consumer group):
   * `read` hides what it returns from other readers for a while (SQS
   * ignores checkpoints; Redis pages by them through what this reader holds
   * unacknowledged), and the worker calls `ack` once the page's ingest has
   * committed, which releases those deliveries for good. What is never
   * acknowledged comes back.
   * @example const page = await log.read(START, 10); await store.ingest(planIngest(page.deliveries, targets)); await log.ack?.(page);
   */
  ack?(page: LogPage): Promise<void>;
  /**
   * Gives a page back unacknowledged (its ingest failed): the log stops
   * holding it, and it comes back after the log's retry delay (SQS: one
   * visibility timeout), not at once, since each time it comes back counts
   * toward the dead-letter queue. A log without it lets the lease run out.
   */
  release?(page: LogPage): Promise<void>;
  close(): Promise<void>;
}
