import type { ContactFacts, DeliveryRef, WahookEvent } from '../core/events.js';
import type { JobTargetSpec } from '../core/job-routing.js';
import type { StatusObservation } from '../core/status.js';
import type { Checkpoint } from './delivery-log.js';

/**
 * Where normalised events live. `ingest` is one atomic step: the events of
 * a batch of deliveries, the state they imply (message status, contacts,
 * sessions), the jobs they route to and the worker's new checkpoint are
 * committed together, so a worker killed mid-batch loses and duplicates
 * nothing. Jobs are written through the job queue's outbox in that commit.
 */

export interface NormalizedDelivery {
  readonly ref: DeliveryRef;
  readonly events: readonly WahookEvent[];
  readonly contacts: readonly ContactFacts[];
}

/** A contact's facts from one batch, with its customer-service window already worked out. */
export interface ContactUpdate {
  readonly tenant: string;
  readonly contact: string;
  readonly profileName: string | null;
  readonly lastInboundAt: number | null;
  readonly windowOpenUntil: number | null;
}

/** Every status a batch reports for one message, folded into its stored state with core's mergeStatus. */
export interface MessageStatusUpdate {
  readonly tenant: string;
  readonly messageId: string;
  readonly provider: string;
  readonly contact: string | null;
  readonly observations: readonly StatusReport[];
}

/** One status as reported, for the message's history and its merged state. */
export interface StatusReport extends StatusObservation {
  /** The recipient of a group message's status, '' otherwise. */
  readonly recipient: string;
}

export interface IngestRequest {
  /** In log order; duplicates (by tenant and key) are skipped. */
  readonly events: readonly WahookEvent[];
  readonly contacts: readonly ContactUpdate[];
  readonly statuses: readonly MessageStatusUpdate[];
  /** Move the worker's checkpoint from `from` to `to`; omitted by replay. */
  readonly checkpoint?: { readonly from: Checkpoint; readonly to: Checkpoint };
  /** Job targets and the events each takes; a job is queued for each newly inserted event it takes. */
  readonly targets: readonly JobTargetSpec[];
}

export interface IngestResult {
  readonly inserted: number;
  readonly duplicates: number;
  /** False when another worker moved the checkpoint first; nothing was written. */
  readonly applied: boolean;
  /** Inserted events by kind. */
  readonly byKind: Record<string, number>;
}

export interface EventStore {
  /** @example await store.ingest(planIngest(deliveries, targets, { from: START, to: page.next })) */
  ingest(req: IngestRequest): Promise<IngestResult>;
  /** The delivery log position the worker has fully processed. */
  checkpoint(): Promise<Checkpoint>;
  close(): Promise<void>;
}
