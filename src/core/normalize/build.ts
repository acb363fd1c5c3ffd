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

/** Header members are written last so a typed field can never shadow them. */
export function buildEvent(ref: DeliveryRef, head: Head, fields: Rec): WahookEvent {
  return {
    ...compact(fields),
    ...compact({ messageId: head.messageId, contact: head.contact }),
    key: head.key,
    provider: ref.provider,
    kind: head.kind,
    type: head.type,
    timestamp: head.timestamp ?? ref.receivedAt,
    tenant: ref.tenant,
    deliveryId: ref.deliveryId,
  };
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
