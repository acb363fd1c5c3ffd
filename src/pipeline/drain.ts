import { normalize } from '../core/normalize/index.js';
import type { DeliveryRef } from '../core/events.js';
import type { DeliveryReader, StoredDelivery } from '../ports/delivery-store.js';
import type { EventStore, IngestResult, NormalizedDelivery } from '../ports/event-store.js';

export function normalizeDelivery(d: StoredDelivery): NormalizedDelivery {
  const ref: DeliveryRef = { tenant: d.tenant, provider: d.provider, deliveryId: d.id, receivedAt: d.receivedAt };
  const text = d.body.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Only possible for deliveries accepted before a validation change; keep them as unknown, never drop.
    body = text;
  }
  const { events, contacts } = normalize(ref, body);
  // A payload nested too deeply to walk (the normaliser's last resort) cannot be serialised either; keep its
  // text so the event can be stored and the worker moves on instead of failing this batch forever.
  if (events.length === 1 && events[0]!.key === `${ref.provider}:unknown:delivery:${ref.deliveryId}`) {
    const { raw: _raw, ...rest } = events[0]!;
    return { ref, events: [{ ...rest, rawText: text } as typeof events[number]], contacts: [] };
  }
  return { ref, events, contacts };
}

export interface DrainResult extends IngestResult {
  readonly deliveries: number;
  readonly cursor: number;
}

/**
 * One step of the worker: the next batch after the cursor becomes events,
 * committed together with the new cursor.
 */
export async function drainOnce(reader: DeliveryReader, store: EventStore, batchSize: number, targets: readonly string[]): Promise<DrainResult> {
  const from = await store.cursor();
  const batch = await reader.list({ afterId: from, limit: batchSize, withoutHeaders: true });
  if (batch.length === 0) return { deliveries: 0, inserted: 0, duplicates: 0, applied: true, byKind: {}, cursor: from };
  const to = batch[batch.length - 1]!.id;
  const r = await store.ingest({ deliveries: batch.map(normalizeDelivery), cursor: { from, to }, targets });
  return { ...r, deliveries: r.applied ? batch.length : 0, cursor: r.applied ? to : from };
}

/**
 * Processes stored deliveries again; idempotent because every event key is
 * unique. Only deliveries the worker has already passed are replayed: a
 * delivery still queued is the worker's, with the worker's job targets
 * (replaying it here would insert its events without the worker's jobs).
 */
export async function replay(
  reader: DeliveryReader,
  store: EventStore,
  q: { since?: number; until?: number; tenant?: string },
  targets: readonly string[],
): Promise<{ deliveries: number; inserted: number; duplicates: number }> {
  let afterId = 0;
  const upTo = await store.cursor();
  const total = { deliveries: 0, inserted: 0, duplicates: 0 };
  for (;;) {
    const batch = (await reader.list({ ...q, afterId, limit: 500, withoutHeaders: true })).filter((d) => d.id <= upTo);
    if (batch.length === 0) return total;
    const r = await store.ingest({ deliveries: batch.map(normalizeDelivery), targets });
    total.deliveries += batch.length;
    total.inserted += r.inserted;
    total.duplicates += r.duplicates;
    afterId = batch[batch.length - 1]!.id;
  }
}
