import { constantTimeEqual } from './signature.js';

export type HandshakeResult = { ok: true; challenge: string } | { ok: false };

/**
 * Meta's subscription check: GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…
 * must be answered 200 with the challenge as the body, anything else leaves
 * the endpoint unverified.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/create-webhook-endpoint
 *
 * @example
 * verifyHandshake(new URLSearchParams('hub.mode=subscribe&hub.verify_token=t&hub.challenge=42'), 't')
 * // { ok: true, challenge: '42' }
 */
export function verifyHandshake(query: URLSearchParams, verifyToken: string | undefined): HandshakeResult {
  if (verifyToken === undefined || verifyToken === '') return { ok: false };
  const mode = query.get('hub.mode');
  const token = query.get('hub.verify_token') ?? undefined;
  const challenge = query.get('hub.challenge');
  if (mode !== 'subscribe' || challenge === null) return { ok: false };
  if (!constantTimeEqual(token, verifyToken)) return { ok: false };
  return { ok: true, challenge };
}
