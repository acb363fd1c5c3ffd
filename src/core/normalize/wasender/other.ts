import { buildEvent, unknownEvent } from '../build.js';
import { fieldKey, sessionKey } from '../keys.js';
import { asBoolean, asId, asRecord, asString, flexibleToMs, isRecord, phoneDigits } from '../util.js';
import { itemsOf, locate, type Envelope } from './envelope.js';

export const SESSION_EVENTS = new Set(['session.status', 'qrcode.updated', 'passkey.updated']);

export const COLLECTION_EVENTS = new Set([
  'chats.upsert', 'chats.update', 'chats.delete', 'groups.upsert', 'groups.update', 'group-participants.update',
  'contacts.upsert', 'contacts.update',
]);

/** The docs name the event `call`; the SDK and some guides say `call.received`. Both share one type. */
export const CALL_EVENTS = new Set(['call', 'call.received']);

export function normalizeCallEvent(env: Envelope): void {
  const data = asRecord(env.data);
  for (const item of itemsOf(data?.['call'] ?? env.data)) {
    const call = asRecord(item);
    const callId = asId(call?.['id']);
    if (!call || !callId) {
      env.sink.events.push(unknownEvent(env.ref, item, 'call has no id', locate(env)));
      continue;
    }
    const timestamp = flexibleToMs(call['date']) ?? env.timestamp;
    const from = asString(call['from']);
    env.sink.events.push(
      buildEvent(
        env.ref,
        { key: fieldKey(env.ref.provider, 'call', [callId], timestamp, call), kind: 'field', type: 'call', contact: phoneDigits(from), timestamp },
        {
          field: env.event,
          sessionId: env.sessionId,
          callId,
          from,
          isVideo: asBoolean(call['isVideo']),
          isGroup: asBoolean(call['isGroup']),
          status: asString(call['status']),
          value: call,
        },
      ),
    );
  }
}

export function normalizeSessionEvent(env: Envelope): void {
  const data = asRecord(env.data);
  env.sink.events.push(
    buildEvent(
      env.ref,
      { key: sessionKey(env.event, env.sessionId, env.timestamp, env.data), kind: 'session', type: env.event, timestamp: env.timestamp },
      {
        sessionId: env.sessionId,
        status: asString(data?.['status']),
        stage: asString(data?.['stage']),
        data: env.data,
      },
    ),
  );
}

/** Chats, groups and contacts arrive as arrays of (partial) records: one event per record. */
export function normalizeCollectionEvent(env: Envelope): void {
  for (const item of itemsOf(env.data)) {
    const rec = asRecord(item);
    // chats.delete may list bare chat ids instead of records.
    const itemId = rec ? (asId(rec['id']) ?? asId(rec['jid'])) : asId(item);
    if (item === null || (!isRecord(item) && !itemId)) {
      env.sink.events.push(unknownEvent(env.ref, item, 'collection item is neither a record nor an id', locate(env)));
      continue;
    }
    const ids = itemId ? [itemId] : [];
    env.sink.events.push(
      buildEvent(
        env.ref,
        {
          key: fieldKey(env.ref.provider, env.event, ids, env.timestamp, item),
          kind: 'field',
          type: env.event,
          contact: env.event.startsWith('contacts.') ? phoneDigits(itemId) : undefined,
          timestamp: env.timestamp,
        },
        {
          field: env.event,
          sessionId: env.sessionId,
          itemId,
          action: asString(rec?.['action']),
          value: item,
        },
      ),
    );
  }
}
