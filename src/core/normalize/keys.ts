import type { Provider } from '../events.js';
import { shortHash } from './canonical.js';

/**
 * Idempotency keys. Each is derived only from the payload (never from receive
 * time), so a provider retry of the same update maps onto the same key.
 */

export function messageKey(provider: Provider, messageId: string): string {
  return `${provider}:message:${messageId}`;
}

/** Group sends report one status per participant, so the participant is part of the identity. */
export function statusKey(provider: Provider, messageId: string, status: string, recipientParticipantId?: string): string {
  const base = `${provider}:status:${messageId}:${status}`;
  return recipientParticipantId ? `${base}:${recipientParticipantId}` : base;
}

/**
 * Field updates have no single id; the hash of the value keeps two distinct
 * updates that share ids and second-resolution timestamps apart.
 */
export function fieldKey(
  provider: Provider,
  field: string,
  ids: readonly string[],
  timestamp: number | undefined,
  value: unknown,
): string {
  return `${provider}:field:${field}:${ids.join(':')}:${timestamp ?? ''}:${shortHash(value)}`;
}

export function sessionKey(event: string, sessionId: string | undefined, timestamp: number | undefined, data: unknown): string {
  return `wasender:session:${event}:${sessionId ?? ''}:${timestamp ?? ''}:${shortHash(data)}`;
}

export function unknownKey(provider: string, raw: unknown): string {
  return `${provider}:unknown:${shortHash(raw)}`;
}
