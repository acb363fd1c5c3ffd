import type { ContactFacts, DeliveryRef, EventKind, WahookEvent } from '../core/events.js';

/**
 * Where normalised events live. `ingest` is one atomic step: the events of a
 * batch of deliveries, the state they imply (message status, contacts,
 * sessions), the handler jobs they need and the new cursor are committed
 * together, so a worker killed mid-batch loses and duplicates nothing.
 */

export interface NormalizedDelivery {
  readonly ref: DeliveryRef;
  readonly events: readonly WahookEvent[];
  readonly contacts: readonly ContactFacts[];
}

export interface IngestRequest {
  readonly deliveries: readonly NormalizedDelivery[];
  /** Advance the worker cursor from `from` to `to` (ids of deliveries.db); omitted by replay. */
  readonly cursor?: { readonly from: number; readonly to: number };
  /** Job targets to enqueue for each newly inserted event (e.g. 'handler', 'forward'). */
  readonly targets: readonly string[];
}

export interface IngestResult {
  readonly inserted: number;
  readonly duplicates: number;
  /** False when another worker moved the cursor first; nothing was written. */
  readonly applied: boolean;
  /** Inserted events by kind. */
  readonly byKind: Record<string, number>;
}

export interface EventStore {
  /** @example await store.ingest({ deliveries, cursor: { from: 0, to: 200 }, targets: ['handler'] }) */
  ingest(req: IngestRequest): Promise<IngestResult>;
  /** Id of the last delivery the worker has fully processed. */
  cursor(): Promise<number>;
  close(): Promise<void>;
}

export interface Job {
  readonly seq: number;
  readonly target: string;
  readonly conversation: string;
  readonly attempts: number;
  readonly event: WahookEvent;
}

/** Handler and forwarding jobs: at least once, in order per conversation. */
export interface JobQueue {
  /** Ready jobs that are the oldest pending job of their conversation, skipping `busy` conversations. */
  claim(now: number, limit: number, busy: ReadonlySet<string>): Promise<Job[]>;
  complete(job: Job): Promise<void>;
  /** Schedules a retry at `retryAt`, or dead-letters when `retryAt` is null. */
  fail(job: Job, error: string, retryAt: number | null, now: number): Promise<void>;
}

export interface EventFilter {
  readonly kind?: EventKind;
  readonly type?: string;
  readonly since?: number;
  readonly tenant?: string;
  readonly limit?: number;
  readonly newestFirst?: boolean;
}

export interface MessageView {
  readonly tenant: string;
  readonly messageId: string;
  readonly provider: string;
  readonly type: string | null;
  readonly contact: string | null;
  readonly timestamp: number | null;
  readonly status: string | null;
  readonly failed: unknown;
  readonly statusHistory: { status: string; timestamp: number; recipient?: string; errors?: unknown }[];
}

export interface DeadLetter {
  readonly seq: number;
  readonly target: string;
  readonly key: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly updatedAt: number;
  readonly event: WahookEvent;
}

export interface PipelineStats {
  readonly eventsByKind: Record<string, number>;
  readonly events: number;
  readonly duplicates: number;
  readonly cursor: number;
  readonly jobsPending: number;
  readonly deadLetters: number;
}

/** Read and admin side for the CLI and the dashboard. */
export interface EventQuery {
  events(filter: EventFilter): Promise<WahookEvent[]>;
  messages(limit: number): Promise<MessageView[]>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
  /** Puts dead letters back in the queue (all when `seqs` is empty); returns how many. */
  retryDeadLetters(seqs: readonly number[], now: number): Promise<number>;
  purgeDeadLetters(seqs: readonly number[]): Promise<number>;
  stats(): Promise<PipelineStats>;
}
