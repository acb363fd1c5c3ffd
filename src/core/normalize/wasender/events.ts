import { buildEvent, unknownEvent } from '../build.js';
import { fieldKey, statusKey } from '../keys.js';
import { asBoolean, asId, asRecord, asString, flexibleToMs, isRecord, phoneDigits, type Rec } from '../util.js';
import { contactOfKey } from './baileys.js';
import { itemsOf, locate, type Envelope } from './envelope.js';

/** Documented numeric codes, plus the Baileys enum names some integrations send instead. */
const STATUS_NAMES: Record<string, string> = {
  '0': 'failed', '1': 'pending', '2': 'sent', '3': 'delivered', '4': 'read', '5': 'played',
  error: 'failed', server_ack: 'sent', delivery_ack: 'delivered',
};

/** Maps to the Cloud API status vocabulary so one reducer serves both providers; unknown values pass through. */
export function mapStatus(raw: unknown): string | undefined {
  if (typeof raw !== 'number' && typeof raw !== 'string') return undefined;
  const s = String(raw).trim().toLowerCase();
  if (s === '') return undefined;
  return STATUS_NAMES[s] ?? s;
}

/** `messages.update`: one status event per update; updates without a status (edits, stars) stay field events. */
export function normalizeStatusEvent(env: Envelope): void {
  for (const item of itemsOf(env.data)) {
    const rec = asRecord(item);
    const key = asRecord(rec?.['key']);
    const messageId = asId(key?.['id']);
    if (!rec || !messageId) {
      env.sink.events.push(unknownEvent(env.ref, item, 'update has no key.id', locate(env)));
      continue;
    }
    const rawStatus = asRecord(rec['update'])?.['status'] ?? rec['status'];
    const status = mapStatus(rawStatus);
    if (!status) {
      pushTargeted(env, rec, messageId, { remoteJid: asString(key?.['remoteJid']) });
      continue;
    }
    const fromMe = asBoolean(key?.['fromMe']) ?? true;
    env.sink.events.push(
      buildEvent(
        env.ref,
        {
          key: statusKey(env.ref.provider, messageId, status),
          kind: 'status',
          type: status,
          messageId,
          contact: contactOfKey(key, fromMe),
          timestamp: env.timestamp,
        },
        { status, rawStatus, sessionId: env.sessionId, remoteJid: asString(key?.['remoteJid']), fromMe },
      ),
    );
  }
}

/** `messages.delete` lists the deleted keys in `data.keys`. */
export function normalizeDeleteEvent(env: Envelope): void {
  const data = asRecord(env.data);
  const keys = data?.['keys'] ?? (data?.['key'] !== undefined ? data['key'] : env.data);
  for (const k of itemsOf(keys)) targetedOrUnknown(env, { key: k }, asRecord(k));
}

/** `messages.reaction`: `key` is the reacted-to message, `reaction.key` the reaction itself. */
export function normalizeReactionEvent(env: Envelope): void {
  for (const item of itemsOf(env.data)) {
    const rec = asRecord(item);
    const reaction = asRecord(rec?.['reaction']);
    const emoji = asString(reaction?.['text']);
    const reactor = asRecord(reaction?.['key']);
    targetedOrUnknown(env, item, asRecord(rec?.['key']), {
      emoji,
      removed: emoji === undefined || emoji === '',
      reactionMessageId: asId(reactor?.['id']),
      contact: contactOfKey(reactor, asBoolean(reactor?.['fromMe']) ?? false),
      timestamp: flexibleToMs(reaction?.['senderTimestampMs']),
    });
  }
}

/** `message-receipt.update`: per-member receipts in groups, wrapped in `data.message` on the docs page. */
export function normalizeReceiptEvent(env: Envelope): void {
  const data = asRecord(env.data);
  const items = Array.isArray(env.data) ? env.data : [data?.['message'] ?? env.data];
  for (const item of items) {
    const rec = asRecord(item);
    const receipt = asRecord(rec?.['receipt']);
    const userJid = asString(receipt?.['userJid']);
    const played = flexibleToMs(receipt?.['playedTimestamp']);
    const read = flexibleToMs(receipt?.['readTimestamp']);
    const delivered = flexibleToMs(receipt?.['receiptTimestamp']);
    targetedOrUnknown(env, item, asRecord(rec?.['key']), {
      userJid,
      receiptType: played ? 'played' : read ? 'read' : delivered ? 'delivered' : undefined,
      contact: phoneDigits(userJid),
      timestamp: played ?? read ?? delivered,
    });
  }
}

export function normalizePollEvent(env: Envelope): void {
  for (const item of itemsOf(env.data)) {
    const rec = asRecord(item);
    targetedOrUnknown(env, item, asRecord(rec?.['key']), { pollResult: rec?.['pollResult'] });
  }
}

function targetedOrUnknown(env: Envelope, item: unknown, key: Rec | undefined, extra: Rec = {}): void {
  const messageId = asId(key?.['id']);
  if (!isRecord(item) || !messageId) {
    env.sink.events.push(unknownEvent(env.ref, item, 'event has no target key.id', locate(env)));
    return;
  }
  pushTargeted(env, item, messageId, { ...extra, remoteJid: asString(key?.['remoteJid']) });
}

/** A field event about one earlier message. */
function pushTargeted(env: Envelope, item: Rec, messageId: string, extra: Rec): void {
  const { contact, timestamp, ...fields } = extra;
  const ts = (typeof timestamp === 'number' ? timestamp : undefined) ?? env.timestamp;
  env.sink.events.push(
    buildEvent(
      env.ref,
      {
        key: fieldKey(env.ref.provider, env.event, [messageId], ts, item),
        kind: 'field',
        type: env.event,
        messageId,
        contact: typeof contact === 'string' ? contact : undefined,
        timestamp: ts,
      },
      { ...fields, field: env.event, sessionId: env.sessionId, value: item },
    ),
  );
}
