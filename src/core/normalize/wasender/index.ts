import type { DeliveryRef } from '../../events.js';
import { unknownEvent, type Sink } from '../build.js';
import { CALL_EVENTS, normalizeCallEvent } from './calls.js';
import { COLLECTION_EVENTS, normalizeCollectionEvent } from './collections.js';
import { parseEnvelope, type Envelope } from './envelope.js';
import {
  normalizeDeleteEvent, normalizePollEvent, normalizeReactionEvent, normalizeReceiptEvent, normalizeStatusEvent,
} from './events.js';
import { MESSAGE_EVENTS, normalizeMessageEvent } from './messages.js';
import { SESSION_EVENTS, normalizeSessionEvent } from './sessions.js';

const SINGLE_EVENT_HANDLERS: Record<string, (env: Envelope) => void> = {
  'messages.update': normalizeStatusEvent,
  'messages.delete': normalizeDeleteEvent,
  'messages.reaction': normalizeReactionEvent,
  'message-receipt.update': normalizeReceiptEvent,
  'poll.results': normalizePollEvent,
};

function handlerFor(event: string): ((env: Envelope) => void) | undefined {
  if (MESSAGE_EVENTS.has(event)) return normalizeMessageEvent;
  if (SESSION_EVENTS.has(event)) return normalizeSessionEvent;
  if (CALL_EVENTS.has(event)) return normalizeCallEvent;
  if (COLLECTION_EVENTS.has(event)) return normalizeCollectionEvent;
  return Object.hasOwn(SINGLE_EVENT_HANDLERS, event) ? SINGLE_EVENT_HANDLERS[event] : undefined;
}

export function normalizeWasender(ref: DeliveryRef, body: unknown, sink: Sink): void {
  const env = parseEnvelope(ref, sink, body);
  if (!env) {
    sink.events.push(unknownEvent(ref, body, 'body is not a WASender envelope'));
    return;
  }
  const handler = handlerFor(env.event);
  if (!handler) {
    sink.events.push(unknownEvent(ref, body, 'unrecognised WASender event', { event: env.event }));
    return;
  }
  handler(env);
}
