import type { JobTargetSpec } from '../core/job-routing.js';
import { settledWithin } from '../core/settled-within.js';
import type { StoredDelivery } from '../ports/delivery-log.js';
import type { EventStore } from '../ports/event-store.js';
import { planIngest } from './ingest-plan.js';
import type { JobRunner } from './jobs.js';

export interface QueueBatchResult {
  /** Ids of the deliveries whose events could not be committed. */
  readonly failed: ReadonlySet<string>;
  readonly inserted: number;
  readonly duplicates: number;
  /** Events inserted, by kind, as `IngestResult.byKind`. */
  readonly byKind: Record<string, number>;
}

/**
 * A batch of queued deliveries to events, for a queue-triggered function.
 * There is no checkpoint: a queue redelivers what was not acknowledged, and
 * a delivery ingested twice changes nothing the second time, since every
 * event is keyed. The whole batch is one commit; if that fails, each
 * delivery is tried alone, in order, so one bad delivery fails only itself
 * (and the later deliveries of its FIFO group, `StoredDelivery.group`).
 *
 * @example const { failed } = await ingestQueued(deliveries, events, targets.specs);
 */
export async function ingestQueued(deliveries: readonly StoredDelivery[], store: EventStore, targets: readonly JobTargetSpec[], opts: IngestQueuedOptions = {}): Promise<QueueBatchResult> {
  if (deliveries.length === 0) return { failed: new Set(), inserted: 0, duplicates: 0, byKind: {} };
  try {
    const r = await store.ingest(planIngest(deliveries, targets));
    return { failed: new Set(), inserted: r.inserted, duplicates: r.duplicates, byKind: r.byKind };
  } catch {
    const failed = new Set<string>();
    const heldGroups = new Set<string>();
    const giveUpAfter = opts.giveUpAfter ?? Number.POSITIVE_INFINITY;
    const byKind: Record<string, number> = {};
    let inserted = 0;
    let duplicates = 0;
    let inARow = 0;
    for (const d of deliveries) {
      const group = d.group;
      // A group's later deliveries wait for its failed one, so they are never stored ahead of it.
      if (inARow >= giveUpAfter || (group !== undefined && heldGroups.has(group))) {
        failed.add(d.id);
        continue;
      }
      try {
        const r = await store.ingest(planIngest([d], targets));
        inserted += r.inserted;
        duplicates += r.duplicates;
        for (const [kind, n] of Object.entries(r.byKind)) byKind[kind] = (byKind[kind] ?? 0) + n;
        inARow = 0;
      } catch {
        failed.add(d.id);
        if (group !== undefined) heldGroups.add(group);
        inARow++;
      }
    }
    return { failed, inserted, duplicates, byKind };
  }
}

export interface IngestQueuedOptions {
  /**
   * After this many deliveries in a row fail alone, the rest are not tried: the store is failing, not one
   * delivery, and trying each of a large page against it would hold the caller for nothing.
   */
  readonly giveUpAfter?: number;
}

/**
 * Runs ready jobs (the batch's, and retries that fell due) until none is
 * ready or the time left runs short. A job that fails keeps its own retries
 * and dead letter; it never fails the delivery, which is already stored.
 * The wait for running jobs ends with the time left (less `reserveMs`): a
 * function that timed out would fail its whole batch, though every event
 * in it is stored. A job still running then is left to its lease, which
 * runs out and lets it run again.
 */
export async function runReadyJobs(runner: JobRunner, timeLeftMs: () => number, reserveMs: number): Promise<number> {
  let started = 0;
  while (timeLeftMs() > reserveMs) {
    const n = await runner.tick();
    if (n === 0) break;
    started += n;
    if ((await settledWithin(runner.idle().then(() => true), timeLeftMs() - reserveMs)) === undefined) break;
  }
  return started;
}
