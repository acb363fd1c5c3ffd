import { buildEvent, pushFacts, unknownEvent } from '../build.js';
import { messageKey } from '../keys.js';
import { asBoolean, asId, asRecord, asString, flexibleToMs, isRecord } from '../util.js';
import {
  chatTypeOf, contactOfKey, locationOf, mediaOf, messageTypeOf, protocolOf, reactionOf, textOf, unwrap,
} from './baileys.js';
import { itemsOf, locate, type Envelope } from './envelope.js';

export const MESSAGE_EVENTS = new Set([
  'messages.received', 'messages-personal.received', 'messages-group.received', 'messages-newsletter.received',
  'messages.upsert', 'message.sent',
]);

/**
 * `data.messages` has been an object, an array, or absent (key/message
 * directly on `data`) depending on the event and the docs revision.
 */
export function normalizeMessageEvent(env: Envelope): void {
  const data = asRecord(env.data);
  const m = data ? (data['messages'] ?? data) : env.data;
  for (const item of itemsOf(m)) normalizeOne(env, item);
}

function normalizeOne(env: Envelope, item: unknown): void {
  const { ref, sink } = env;
  if (!isRecord(item)) {
    sink.events.push(unknownEvent(ref, item, 'message is not an object', locate(env)));
    return;
  }
  const key = asRecord(item['key']);
  const messageId = asId(key?.['id']);
  if (!key || !messageId) {
    // A failed API send reports `{success:false, error}` without any key.
    sink.events.push(unknownEvent(ref, item, 'message has no key.id', locate(env)));
    return;
  }
  const fromMe = asBoolean(key['fromMe']) ?? env.event === 'message.sent';
  const remoteJid = asString(key['remoteJid']);
  const message = unwrap(asRecord(item['message']));
  const messageType = messageTypeOf(message, item['messageBody']);
  const contact = contactOfKey(key, fromMe);
  const timestamp = flexibleToMs(item['messageTimestamp']) ?? env.timestamp;
  const profileName = asString(item['pushName']);

  sink.events.push(
    buildEvent(
      ref,
      { key: messageKey(ref.provider, messageId), kind: 'message', type: env.event, messageId, contact, timestamp },
      {
        messageType,
        sessionId: env.sessionId,
        remoteJid,
        fromMe,
        chatType: chatTypeOf(remoteJid),
        participant: asString(key['participant']),
        profileName,
        text: asString(item['messageBody']) ?? textOf(message),
        media: message ? mediaOf(message) : undefined,
        reaction: reactionOf(message),
        location: locationOf(message),
        success: asBoolean(item['success']),
        ...protocolOf(message, messageType),
      },
    ),
  );

  if (!fromMe && contact) {
    pushFacts(sink, { contact, ...(profileName ? { profileName } : {}), lastInboundAt: timestamp ?? ref.receivedAt });
  }
}
