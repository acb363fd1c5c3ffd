import { createHash, createHmac } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/): the secret
 * is `whsec_` + base64 key bytes; the signature is `v1,` + base64 of
 * HMAC-SHA256 over `${id}.${timestamp}.${body}`.
 *
 * @example
 * standardWebhookHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'evt_1', 1700000000, '{}')
 * // { 'webhook-id': 'evt_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,…' }
 */
export function standardWebhookHeaders(secret: string, id: string, timestampSec: number, body: string): Record<string, string> {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const sig = createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSec), 'webhook-signature': `v1,${sig}` };
}

// What every key built from well-behaved ids looks like (base64 message ids included); nothing a header or a log line could choke on.
const SAFE_ID = /^[A-Za-z0-9._:~+/=@-]{1,200}$/;

/**
 * The `webhook-id` for an event key. Keys embed provider message ids, which
 * are payload text: a CR, LF or a character above U+00FF makes fetch refuse
 * the header, and the job could never succeed. Such a key is sent as its
 * hash instead; the full key stays in the body. No key starts with
 * `sha256:` (keys start with their provider), so the two forms cannot meet.
 *
 * @example
 * webhookIdFor('cloud_api:message:wamid.1') // 'cloud_api:message:wamid.1'
 * webhookIdFor('wasender:message:a\r\nb') // 'sha256:…' (43 base64url characters)
 */
export function webhookIdFor(key: string): string {
  return SAFE_ID.test(key) ? key : `sha256:${createHash('sha256').update(key, 'utf8').digest('base64url')}`;
}
