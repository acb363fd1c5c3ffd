import type { ContactFacts, DeliveryRef, EventKind, WahookEvent } from '../events.js';
import { unknownKey } from './keys.js';
import { compact, type Rec } from './util.js';

/** What every provider walker appends to. */
export interface Sink {
  events: WahookEvent[];
  contacts: ContactFacts[];
}

export interface Head {
  key: string;
  kind: EventKind;
  type: string;
  messageId?: string | undefined;
  contact?: string | undefined;
  /** ms since the epoch from the payload; the receive time stands in when absent. */
  timestamp?: number | undefined;
}

/**
 * The header first (the order `wahook events --json` prints), then the typed
 * fields; a typed field can never shadow a header member. Built in one pass:
 * this runs for every update of every delivery.
 */
export function buildEvent(ref: DeliveryRef, head: Head, fields: Rec): WahookEvent {
  const e: Rec = { key: head.key, provider: ref.provider, kind: head.kind, type: head.type };
  if (head.messageId !== undefined) e.messageId = head.messageId;
  if (head.contact !== undefined) e.contact = head.contact;
  e.timestamp = head.timestamp ?? ref.receivedAt;
  e.tenant = ref.tenant;
  e.deliveryId = ref.deliveryId;
  for (const k in fields) {
    const v = fields[k];
    if (v !== undefined && !(k in e)) e[k] = v;
  }
  return e as WahookEvent;
}

/** Keeps a piece the normaliser could not interpret, byte-for-byte recoverable from `raw`. */
export function unknownEvent(ref: DeliveryRef, raw: unknown, reason: string, context: Rec = {}): WahookEvent {
  return buildEvent(
    ref,
    { key: unknownKey(ref.provider, raw), kind: 'unknown', type: 'unknown' },
    { ...context, reason, raw: raw === undefined ? null : raw },
  );
}

export function pushFacts(sink: Sink, facts: ContactFacts): void {
  sink.contacts.push(compact({ ...facts }));
}
