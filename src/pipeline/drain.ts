import type { JobTargetSpec } from '../core/job-routing.js';
import { START, type DeliveryLog } from '../ports/delivery-log.js';
import type { EventStore, IngestResult } from '../ports/event-store.js';
import { planIngest } from './ingest-plan.js';
import { ingestQueued } from './queue-batch.js';

export { normalizeDelivery } from './ingest-plan.js';

export interface DrainResult extends IngestResult {
  readonly deliveries: number;
}

/**
 * One step of the worker: the next batch after the checkpoint becomes
 * events, committed together with the new checkpoint.
 */
export async function drainOnce(log: DeliveryLog, store: EventStore, batchSize: number, targets: readonly JobTargetSpec[]): Promise<DrainResult> {
  if (log.ack !== undefined) return drainLeased(log, store, batchSize, targets);
  const from = await store.checkpoint();
  const page = await log.read(from, batchSize);
  if (page.deliveries.length === 0) return { deliveries: 0, inserted: 0, duplicates: 0, applied: true, byKind: {} };
  const r = await store.ingest(planIngest(page.deliveries, targets, { from, to: page.next }));
  return { ...r, deliveries: r.applied ? page.deliveries.length : 0 };
}

/**
 * Processes stored deliveries again; idempotent because every event key is
 * unique. Only deliveries the worker has already passed are replayed: a
 * delivery still queued is the worker's, with the worker's job targets
 * (replaying it here would insert its events without the worker's jobs).
 */
export async function replay(
  log: DeliveryLog,
  store: EventStore,
  q: { since?: number; until?: number; tenant?: string },
  targets: readonly JobTargetSpec[],
): Promise<{ deliveries: number; inserted: number; duplicates: number }> {
  const upTo = await store.checkpoint();
  const total = { deliveries: 0, inserted: 0, duplicates: 0 };
  if (upTo === START) return total;
  let from = START;
  for (;;) {
    const page = await log.read(from, 500, { ...q, upTo });
    if (page.deliveries.length === 0) return total;
    const r = await store.ingest(planIngest(page.deliveries, targets));
    total.deliveries += page.deliveries.length;
    total.inserted += r.inserted;
    total.duplicates += r.duplicates;
    from = page.next;
  }
}

/**
 * A queue has no position to commit with the events: what was read is
 * leased instead, and removed only once its events are committed. A
 * worker that dies before that leaves the lease to expire, and the
 * deliveries come back; their events are idempotent by key, so a second
 * ingest of the same delivery changes nothing.
 */
async function drainLeased(log: DeliveryLog, store: EventStore, batchSize: number, targets: readonly JobTargetSpec[]): Promise<DrainResult> {
  const page = await log.read(START, batchSize);
  if (page.deliveries.length === 0) return { deliveries: 0, inserted: 0, duplicates: 0, applied: true, byKind: {} };
  let r: IngestResult;
  try {
    r = await store.ingest(planIngest(page.deliveries, targets));
  } catch (e) {
    // One delivery the store refuses (too large for it, say) must not hold back, and with every redelivery count
    // toward the dead-letter queue, the rest of its page: each is tried alone, and only the failed are given back.
    const one = await ingestQueued(page.deliveries, store, targets, { giveUpAfter: GIVE_UP_AFTER });
    const stored = page.deliveries.filter((d) => !one.failed.has(d.id));
    await log.release?.({ ...page, deliveries: page.deliveries.filter((d) => one.failed.has(d.id)) }).catch(() => undefined);
    if (stored.length === 0) throw e;
    await log.ack!({ ...page, deliveries: stored });
    return { deliveries: stored.length, inserted: one.inserted, duplicates: one.duplicates, applied: true, byKind: one.byKind };
  }
  await log.ack!(page);
  return { ...r, deliveries: page.deliveries.length };
}

/** Deliveries in a row that may fail alone before the rest of a page is given back untried (the store is down). */
const GIVE_UP_AFTER = 3;
