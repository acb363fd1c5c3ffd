import type { ContactFacts, DeliveryRef, WahookEvent } from '../events.js';
import { unknownEvent, type Sink } from './build.js';
import { normalizeCloudApi } from './cloud-api/index.js';
import { normalizeWasender } from './wasender/index.js';

export interface NormalizeResult {
  events: WahookEvent[];
  contacts: ContactFacts[];
}

/**
 * Turns one parsed webhook body into canonical events plus the contact facts
 * it reveals. Pure and total: the same input always yields the same events
 * and keys, and input it cannot interpret is kept as `kind: 'unknown'` with
 * its raw JSON rather than thrown on or dropped.
 *
 * @example
 * const ref = { tenant: 'acme', provider: 'cloud_api', deliveryId: 7, receivedAt: 1_700_000_000_000 } as const;
 * const { events, contacts } = normalize(ref, JSON.parse(rawBody));
 * // events[0] → { kind: 'message', type: 'text', key: 'cloud_api:message:wamid.…', text: 'hi', … }
 * // contacts[0] → { contact: '15550100001', profileName: 'Ana', lastInboundAt: 1700000000000 }
 */
export function normalize(ref: DeliveryRef, body: unknown): NormalizeResult {
  const sink: Sink = { events: [], contacts: [] };
  try {
    switch (ref.provider) {
      case 'cloud_api':
        normalizeCloudApi(ref, body, sink);
        break;
      case 'wasender':
        normalizeWasender(ref, body, sink);
        break;
      default:
        sink.events.push(unknownEvent(ref, body, 'unsupported provider'));
    }
  } catch (error) {
    // Only pathological input (e.g. nesting deep enough to exhaust the stack) gets here.
    return { events: [lastResortEvent(ref, body, error)], contacts: [] };
  }
  // A well-formed but empty batch (no entries, an empty data array) still is a delivery worth keeping.
  if (sink.events.length === 0) sink.events.push(unknownEvent(ref, body, 'delivery contains no updates'));
  return sink;
}

function lastResortEvent(ref: DeliveryRef, body: unknown, error: unknown): WahookEvent {
  try {
    return unknownEvent(ref, body, `normalisation failed: ${error instanceof Error ? error.name : 'error'}`);
  } catch {
    // Hashing the body failed too; the delivery id is the only deterministic handle left.
    return {
      key: `${ref.provider}:unknown:delivery:${ref.deliveryId}`,
      provider: ref.provider,
      kind: 'unknown',
      type: 'unknown',
      timestamp: ref.receivedAt,
      tenant: ref.tenant,
      deliveryId: ref.deliveryId,
      reason: 'normalisation failed',
      raw: body === undefined ? null : body,
    };
  }
}
