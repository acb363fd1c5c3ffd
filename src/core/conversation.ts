import type { WahookEvent } from './events.js';

/**
 * The lane an event's jobs run in, one at a time and in order. Ordered per
 * contact, because a customer's messages and their statuses must reach a
 * handler in the order they happened; events without a contact get a lane
 * of their own so they never wait on unrelated work.
 */
export function conversationOf(e: WahookEvent): string {
  return `${e.tenant}:${e.contact ?? e.messageId ?? e.key}`;
}
