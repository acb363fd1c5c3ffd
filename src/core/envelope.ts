import { GatewayError } from './errors.js';
import type { Provider } from './events.js';
import { isEnvelopeCertainly } from './envelope-scan.js';

/**
 * Shape checks done on the hot path: just enough to refuse what can never be
 * a webhook (so Meta is told 400 at once) without normalising anything.
 */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Cloud API: `{ object: string, entry: [{ changes: [...] }, ...] }`. */
export function isCloudApiEnvelope(v: unknown): boolean {
  if (!isObject(v) || typeof v.object !== 'string' || !Array.isArray(v.entry)) return false;
  for (const e of v.entry) {
    if (!isObject(e) || !Array.isArray(e.changes)) return false;
  }
  return true;
}

/** WASenderApi: `{ event: string, data: ... }`. */
export function isWasenderEnvelope(v: unknown): boolean {
  return isObject(v) && typeof v.event === 'string' && v.event !== '' && 'data' in v;
}

/**
 * Parses the raw body and checks it is an envelope of `provider`.
 *
 * @example
 * parseEnvelope('cloud_api', Buffer.from('{"object":"x","entry":[]}'))
 */
export function parseEnvelope(provider: Provider, rawBody: Uint8Array): unknown {
  let parsed: unknown;
  try {
    const text = Buffer.isBuffer(rawBody) ? rawBody.toString('utf8') : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength).toString('utf8');
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError('WAHOOK_ERR_PAYLOAD_NOT_JSON');
  }
  const ok = provider === 'cloud_api' ? isCloudApiEnvelope(parsed) : isWasenderEnvelope(parsed);
  if (!ok) {
    throw new GatewayError(
      'WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE',
      provider === 'cloud_api'
        ? 'Body is not a Cloud API envelope: expected {"object": string, "entry": [{"changes": [...]}]}'
        : 'Body is not a WASenderApi envelope: expected {"event": string, "data": ...}',
    );
  }
  return parsed;
}

/**
 * The edge's check: the same answer as parseEnvelope, without building the
 * parsed value when a scan of the bytes is sure (see envelope-scan.ts).
 *
 * @example
 * checkEnvelope('cloud_api', body) // throws WAHOOK_ERR_PAYLOAD_NOT_JSON or _NOT_ENVELOPE
 */
export function checkEnvelope(provider: Provider, rawBody: Uint8Array): void {
  if (!isEnvelopeCertainly(provider, rawBody)) parseEnvelope(provider, rawBody);
}
