import { windowOpenUntil } from '../core/contact-window.js';
import type { DeliveryRef, WahookEvent } from '../core/events.js';
import type { JobTargetSpec } from '../core/job-routing.js';
import { normalize } from '../core/normalize/index.js';
import { parseStorableJson, toStorableText } from '../core/storable-text.js';
import type { Checkpoint, StoredDelivery } from '../ports/delivery-log.js';
import type { ContactUpdate, IngestRequest, MessageStatusUpdate, NormalizedDelivery, StatusReport } from '../ports/event-store.js';

export function normalizeDelivery(d: StoredDelivery): NormalizedDelivery {
  const ref: DeliveryRef = { tenant: d.tenant, provider: d.provider, deliveryId: d.id, receivedAt: d.receivedAt };
  const text = d.body.toString('utf8');
  let body: unknown;
  try {
    body = parseStorableJson(text);
  } catch {
    // Only possible for deliveries accepted before a validation change; keep them as unknown, never drop.
    body = toStorableText(text);
  }
  const { events, contacts } = normalize(ref, body);
  // A payload nested too deeply to walk (the normaliser's last resort) cannot be serialised either; keep its
  // text so the event can be stored and the worker moves on instead of failing this batch forever.
  if (events.length === 1 && events[0]!.key === `${ref.provider}:unknown:delivery:${ref.deliveryId}`) {
    const { raw: _raw, ...rest } = events[0]!;
    return { ref, events: [{ ...rest, rawText: toStorableText(text) } as (typeof events)[number]], contacts: [] };
  }
  return { ref, events, contacts };
}

function statusOf(e: WahookEvent): string {
  return typeof e.status === 'string' ? e.status : e.type;
}

/**
 * What a batch of deliveries asks the event store to commit: the events,
 * each message's statuses grouped so its stored state is read and written
 * once, and each contact's facts with the customer-service window worked
 * out. Engines only store the plan; none of them repeats this logic.
 */
export function planIngest(
  deliveries: readonly StoredDelivery[],
  targets: readonly JobTargetSpec[],
  checkpoint?: { readonly from: Checkpoint; readonly to: Checkpoint },
): IngestRequest {
  const events: WahookEvent[] = [];
  const contacts: ContactUpdate[] = [];
  const statuses = new Map<string, { tenant: string; messageId: string; provider: string; contact: string | null; observations: StatusReport[] }>();
  for (const d of deliveries) {
    const n = normalizeDelivery(d);
    for (const e of n.events) {
      events.push(e);
      if (e.kind !== 'status' || e.messageId === undefined) continue;
      const id = `${e.tenant}\u0000${e.messageId}`;
      let s = statuses.get(id);
      if (s === undefined) {
        s = { tenant: e.tenant, messageId: e.messageId, provider: e.provider, contact: e.contact ?? null, observations: [] };
        statuses.set(id, s);
      }
      const recipient = typeof e.recipientParticipantId === 'string' ? e.recipientParticipantId : '';
      s.observations.push({ status: statusOf(e), timestamp: e.timestamp, errors: e.errors, recipient });
    }
    for (const c of n.contacts) {
      contacts.push({
        tenant: n.ref.tenant,
        contact: c.contact,
        profileName: c.profileName ?? null,
        lastInboundAt: c.lastInboundAt ?? null,
        windowOpenUntil: windowOpenUntil(c.lastInboundAt),
      });
    }
  }
  const grouped: MessageStatusUpdate[] = [...statuses.values()];
  return { events, contacts, statuses: grouped, targets, ...(checkpoint ? { checkpoint } : {}) };
}
