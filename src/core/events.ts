/**
 * The canonical event every provider update becomes. The header fields are
 * the same for every event; the typed fields that follow depend on `kind`
 * and `type`. Unknown input is never dropped: it becomes `kind: 'unknown'`
 * with its raw JSON kept.
 */

export type Provider = 'cloud_api' | 'wasender';
/** `media`: what became of a message's media (`media.ready`, `media.failed`), made by the media pipeline. */
export type EventKind = 'message' | 'status' | 'field' | 'session' | 'unknown' | 'media';

/** Where an event came from; supplied by the caller so normalisation stays pure. */
export interface DeliveryRef {
  readonly tenant: string;
  readonly provider: Provider;
  /** The delivery log's id of the delivery, opaque: an engine may use a number, a stream id or a message id. */
  readonly deliveryId: string;
  /** Receive time in ms since the epoch; the fallback timestamp when the payload has none. */
  readonly receivedAt: number;
}

export interface EventHeader {
  /** Deterministic idempotency key: the same update always yields the same key. */
  key: string;
  provider: Provider;
  kind: EventKind;
  /** Message type, status value, webhook field name, or WASender event name. */
  type: string;
  messageId?: string;
  /** Phone number (digits) or business-scoped user id of the customer, when there is one. */
  contact?: string;
  /** ms since the epoch. */
  timestamp: number;
  tenant: string;
  deliveryId: string;
}

/** A normalised event: header plus typed fields (open record so unknown fields survive). */
export type WahookEvent = EventHeader & { [field: string]: unknown };

/** Contact facts an update reveals; the store keeps the latest (max by time). */
export interface ContactFacts {
  contact: string;
  profileName?: string;
  /** ms since the epoch of the inbound message; opens the 24-hour customer-service window. */
  lastInboundAt?: number;
}

export type StatusValue = 'pending' | 'sent' | 'failed' | 'delivered' | 'read' | 'played';

