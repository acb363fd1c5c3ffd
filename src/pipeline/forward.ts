import { GatewayError } from '../core/errors.js';
import type { WahookEvent } from '../core/events.js';
import { standardWebhookHeaders, webhookIdFor } from '../core/standard-webhooks.js';

/** Enough of an answer to say why a POST was refused; the rest is never read. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
const REASON_CHARS = 200;

/**
 * Reads at most `limit` bytes of a response body, then drops the rest, so a
 * destination that streams without end cannot hold the job or the memory.
 */
async function readBounded(res: Response, limit: number): Promise<Uint8Array> {
  const body = res.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, limit - size));
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks);
}

/** A short, single-line excerpt of the answer for the dead letter: the destination's own words, if any. */
function reasonOf(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (text === '') return '';
  return `: ${text.length > REASON_CHARS ? `${text.slice(0, REASON_CHARS)}…` : text}`;
}

function serialise(event: WahookEvent): string {
  let body: string | undefined;
  try {
    body = JSON.stringify(event);
  } catch (e) {
    throw new GatewayError('WAHOOK_ERR_EVENT_UNSERIALIZABLE', `The event cannot be serialised as JSON: ${(e as Error).message}`);
  }
  if (typeof body !== 'string') throw new GatewayError('WAHOOK_ERR_EVENT_UNSERIALIZABLE');
  return body;
}

/**
 * POSTs an event to the user's app as the same JSON `wahook events --json`
 * prints, signed with Standard Webhooks headers. `webhook-id` is the event
 * key (or its hash when the key is not header-safe, see webhookIdFor), so
 * the receiver can deduplicate retries.
 *
 * Redirects are not followed: a 307 or 308 would re-post the signed event to
 * wherever the destination points, another host or plain http included.
 * A 4xx other than 408 and 429 says the same event will be refused again,
 * so it fails with a non-retryable error and the job is dead-lettered at once.
 */
export async function forwardEvent(url: string, secret: string, event: WahookEvent, timeoutMs: number, nowSec: number, stop?: AbortSignal): Promise<void> {
  const body = serialise(event);
  let res: Response;
  let answer: Uint8Array;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'wahook', ...standardWebhookHeaders(secret, webhookIdFor(event.key), nowSec, body) },
      body,
      redirect: 'manual',
      // AbortSignal.any came in Node 20.3; before it, the timeout alone bounds the POST.
      signal: stop === undefined || typeof AbortSignal.any !== 'function' ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]),
    });
    answer = await readBounded(res, MAX_RESPONSE_BYTES).catch(() => new Uint8Array(0));
  } catch (e) {
    throw new GatewayError('WAHOOK_ERR_FORWARD_FAILED', `Forwarding failed: ${(e as Error).message}`);
  }
  const status = res.status;
  if (status >= 200 && status < 300) return;
  if (status >= 300 && status < 400) {
    throw new GatewayError('WAHOOK_ERR_FORWARD_FAILED', `Forwarding answered HTTP ${status}, a redirect; redirects are not followed, point forwardUrl at the final address`);
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    throw new GatewayError('WAHOOK_ERR_FORWARD_REJECTED', `Forwarding refused with HTTP ${status}${reasonOf(answer)}`);
  }
  throw new GatewayError('WAHOOK_ERR_FORWARD_FAILED', `Forwarding answered HTTP ${status}${reasonOf(answer)}`);
}
