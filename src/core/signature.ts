import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { oneShotHash } from './one-shot-hash.js';

/**
 * Meta signs the exact bytes it sends (non-ASCII arrives \u-escaped), so we
 * always HMAC the raw body and never a re-serialised parse result.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started
 */

const PREFIX = 'sha256=';

/**
 * @example
 * signCloudApi(Buffer.from('{"object":"whatsapp_business_account","entry":[]}'), 'secret')
 * // 'sha256=…64 lowercase hex…'
 */
export function signCloudApi(rawBody: Uint8Array, secret: string): string {
  return PREFIX + createHmac('sha256', secret).update(rawBody).digest('hex');
}

/**
 * True when `header` is `sha256=<hex>` of the body under any of `secrets`
 * (several are allowed so an app secret can be rotated without downtime).
 * Every secret is checked even after a match so timing does not reveal which.
 *
 * @example
 * verifyCloudApi(body, req.headers['x-hub-signature-256'], ['new', 'old'])
 */
export function verifyCloudApi(rawBody: Uint8Array, header: string | undefined, secrets: readonly string[]): boolean {
  if (!wellFormed(header)) return false;
  let ok = false;
  for (const secret of secrets) {
    if (sameHex(hmacSha256Hex(rawBody, secret), header, PREFIX.length)) ok = true;
  }
  return ok;
}

/** `sha256=` (any case) and 64 characters; whether they are hex digits is left to the comparison. */
export function wellFormed(header: string | undefined): header is string {
  if (header === undefined || header.length !== PREFIX.length + 64) return false;
  return header.startsWith(PREFIX) || header.slice(0, PREFIX.length).toLowerCase() === PREFIX;
}

/** Whether a well-formed `header` carries `expectedHex` (64 lower-case hex digits), compared in constant time. */
export function headerMatches(expectedHex: string, header: string): boolean {
  return sameHex(expectedHex, header, PREFIX.length);
}

/**
 * Compares 64 lower-case hex digits (`expected`) with those in `given` from
 * `at`, in constant time: every digit is looked at whatever differs. Upper-case
 * digits in `given` match; anything else that is not a hex digit never does.
 */
function sameHex(expected: string, given: string, at: number): boolean {
  let diff = 0;
  for (let i = 0; i < 64; i++) {
    const c = given.charCodeAt(at + i);
    // `| 0x20` lower-cases A-F and leaves digits alone; the control characters it would turn into digits are refused.
    diff |= ((c | 0x20) ^ expected.charCodeAt(i)) | (c < 0x30 ? 1 : 0);
  }
  return diff === 0;
}

// HMAC-SHA256 as RFC 2104 builds it, from two calls of the one-shot hash: cheaper than createHmac() on a
// typical body (`npm run bench:parts` compares the two). Both give hex: a Buffer digest costs a fresh
// ArrayBuffer per request. A test checks it against createHmac and RFC 4231's vectors.
const BLOCK = 64;
// Larger bodies (Meta batches up to 3 MB) use createHmac rather than a copy into a scratch buffer that large.
const SCRATCH_BODY_BYTES = 64 * 1024;
/** The largest body `hmacSha256Hex` hashes on its one-shot path; a host that streams larger ones hashes them as they arrive (see BodyHmac). */
export const ONE_SHOT_MAX_BYTES = SCRATCH_BODY_BYTES;
let scratch: Buffer | undefined;

interface PreparedKey {
  readonly bytes: Buffer;
  /** Made on first use: only a body past the one-shot path or a streamed one needs it, and making it costs a cold start. */
  object?: KeyObject;
  /** The key XOR ipad, one block. */
  readonly inner: Buffer;
  /** The key XOR opad, one block, then room for the inner digest. */
  readonly outer: Buffer;
}

// Preparing a key from its string on every request is measurable at thousands of requests a second.
const keys = new Map<string, PreparedKey>();
const seenOnce = new Set<string>();
function keyFor(secret: string): PreparedKey {
  let k = keys.get(secret);
  if (k === undefined) {
    if (keys.size > 64) keys.clear();
    const bytes = Buffer.from(secret, 'utf8');
    const raw = bytes.length > BLOCK ? createHash('sha256').update(bytes).digest() : bytes;
    const inner = Buffer.alloc(BLOCK, 0x36);
    const outer = Buffer.alloc(BLOCK + 32, 0x5c);
    for (let i = 0; i < raw.length; i++) {
      inner[i] = 0x36 ^ raw[i]!;
      outer[i] = 0x5c ^ raw[i]!;
    }
    k = { bytes, inner, outer };
    keys.set(secret, k);
  }
  return k;
}

/** The prepared key of `secret`, for a streaming HMAC. */
export function hmacKey(secret: string): KeyObject {
  const k = keyFor(secret);
  return (k.object ??= createSecretKey(k.bytes));
}

/**
 * HMAC-SHA256 of `body` under `secret`, as lower-case hex.
 *
 * @example
 * hmacSha256Hex(Buffer.from('{}'), 'secret') // same as createHmac('sha256', 'secret').update('{}').digest('hex')
 */
export function hmacSha256Hex(body: Uint8Array, secret: string): string {
  if (!keys.has(secret) && !seenOnce.has(secret)) {
    // A key is prepared on its second use: a process that verifies one delivery (a function's cold start)
    // would spend more preparing it, and starting the one-shot hash, than createHmac costs once.
    if (seenOnce.size > 64) seenOnce.clear();
    seenOnce.add(secret);
    return createHmac('sha256', secret).update(body).digest('hex');
  }
  if (oneShotHash === undefined || body.length > SCRATCH_BODY_BYTES) return createHmac('sha256', hmacKey(secret)).update(body).digest('hex');
  const key = keyFor(secret);
  scratch ??= Buffer.alloc(BLOCK + SCRATCH_BODY_BYTES);
  scratch.set(key.inner, 0);
  scratch.set(body, BLOCK);
  // Hex both ways: crypto.hash checks any other encoding name through a slower path of Node's, compiled on first use.
  const inner = oneShotHash('sha256', scratch.subarray(0, BLOCK + body.length), 'hex');
  key.outer.write(inner, BLOCK, 32, 'hex');
  return oneShotHash('sha256', key.outer, 'hex');
}

/**
 * Constant-time string equality. Both sides are hashed first so the compare
 * never leaks the expected length (WASender's header is the secret itself).
 *
 * @example
 * constantTimeEqual(req.headers['x-webhook-signature'], tenant.wasenderSecret)
 */
export function constantTimeEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHmac('sha256', 'wahook-compare').update(given, 'utf8').digest('hex');
  const b = createHmac('sha256', 'wahook-compare').update(expected, 'utf8').digest('hex');
  return sameHex(a, b, 0);
}
