import type { DeliveryRef } from '../../events.js';
import type { Sink } from '../build.js';
import { asId, asRecord, asString, compact, flexibleToMs, isRecord, type Rec } from '../util.js';

/** The parsed `{event, timestamp?, sessionId?, data}` wrapper every WASender POST uses. */
export interface Envelope {
  ref: DeliveryRef;
  sink: Sink;
  event: string;
  /** Envelope time in ms; seconds and milliseconds both occur on the wire. */
  timestamp: number | undefined;
  sessionId: string | undefined;
  data: unknown;
  body: Rec;
}

export function parseEnvelope(ref: DeliveryRef, sink: Sink, body: unknown): Envelope | undefined {
  if (!isRecord(body)) return undefined;
  const event = asString(body['event']);
  if (!event) return undefined;
  const data = body['data'];
  return {
    ref,
    sink,
    event,
    timestamp: flexibleToMs(body['timestamp']),
    // Older session.status payloads carried the id inside data instead of on the envelope.
    sessionId: asId(body['sessionId']) ?? asId(asRecord(data)?.['session_id']) ?? asId(asRecord(data)?.['sessionId']),
    data,
    body,
  };
}

/** Context attached to unknown pieces so they can be traced to their delivery. */
export function locate(env: Envelope): Rec {
  return compact({ event: env.event, sessionId: env.sessionId });
}

/** Arrays are iterated; a lone object is one item. */
export function itemsOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}
