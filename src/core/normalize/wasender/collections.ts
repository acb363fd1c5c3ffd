import { buildEvent, unknownEvent } from '../build.js';
import { fieldKey } from '../keys.js';
import { asId, asRecord, asString, isRecord, phoneDigits } from '../util.js';
import { itemsOf, locate, type Envelope } from './envelope.js';

export const COLLECTION_EVENTS = new Set([
  'chats.upsert', 'chats.update', 'chats.delete', 'groups.upsert', 'groups.update', 'group-participants.update',
  'contacts.upsert', 'contacts.update',
]);

/** Chats, groups and contacts arrive as arrays of (partial) records: one event per record. */
export function normalizeCollectionEvent(env: Envelope): void {
  for (const item of itemsOf(env.data)) {
    const rec = asRecord(item);
    // chats.delete may list bare chat ids instead of records.
    const itemId = rec ? (asId(rec['id']) ?? asId(rec['jid'])) : asId(item);
    if (!isRecord(item) && !itemId) {
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
