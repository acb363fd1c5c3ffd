import { GatewayError } from './errors.js';
import type { Provider } from './events.js';

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

/** A check of the bytes that may only answer "certainly an envelope"; anything else goes to JSON.parse. */
export type EnvelopeScan = (provider: Provider, rawBody: Uint8Array) => boolean;

/**
 * The edge's check: the same answer as parseEnvelope, without building the
 * parsed value when `scan` is sure (see envelope-scan.ts).
 *
 * @example
 * checkEnvelope('cloud_api', body, isEnvelopeCertainly) // throws WAHOOK_ERR_PAYLOAD_NOT_JSON or _NOT_ENVELOPE
 */
export function checkEnvelope(provider: Provider, rawBody: Uint8Array, scan?: EnvelopeScan): void {
  if (scan?.(provider, rawBody) === true) return;
  // JSON.parse takes any depth, but JSON.stringify and structuredClone of 100,000 levels throw, so such a
  // delivery, once stored, could never be forwarded or handled. Real envelopes are about ten levels deep.
  if (nestsDeeperThan(rawBody, MAX_NESTING)) throw new GatewayError('WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE', `Body nests arrays and objects deeper than ${MAX_NESTING} levels; no webhook envelope does`);
  parseEnvelope(provider, rawBody);
}

/** The deepest nesting a delivery may have: far past any real envelope, far short of where JSON.stringify runs out of stack. */
export const MAX_NESTING = 1000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether JSON text nests arrays and objects deeper than `max`; brackets inside strings do not count. */
export function nestsDeeperThan(b: Uint8Array, max: number): boolean {
  // Each level of valid JSON takes an opening and a closing bracket, so a body of up to 2 * max bytes is either
  // shallow enough or not JSON at all, which JSON.parse then says; most deliveries are that small.
  if (b.length <= 2 * max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
