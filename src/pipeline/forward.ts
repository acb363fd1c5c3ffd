import { GatewayError } from '../core/errors.js';
import type { WahookEvent } from '../core/events.js';
import { standardWebhookHeaders } from '../core/standard-webhooks.js';

/**
 * POSTs an event to the user's app as the same JSON `wahook events --json`
 * prints, signed with Standard Webhooks headers. `webhook-id` is the event
 * key, so the receiver can deduplicate retries.
 */
export async function forwardEvent(url: string, secret: string, event: WahookEvent, timeoutMs: number, nowSec: number): Promise<void> {
  const body = JSON.stringify(event);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'wahook', ...standardWebhookHeaders(secret, event.key, nowSec, body) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new GatewayError('WAHOOK_ERR_FORWARD_FAILED', `Forwarding failed: ${(e as Error).message}`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.status < 200 || res.status >= 300) throw new GatewayError('WAHOOK_ERR_FORWARD_FAILED', `Forwarding answered HTTP ${res.status}`);
}
