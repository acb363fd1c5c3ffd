import { asBoolean, asId, asRecord, asString, compact, phoneDigits, toNumber, type Rec } from '../util.js';

/** Containers that only wrap the real content one level down in `.message`. */
const WRAPPERS = [
  'ephemeralMessage', 'viewOnceMessage', 'viewOnceMessageV2', 'viewOnceMessageV2Extension',
  'documentWithCaptionMessage', 'editedMessage',
];

/** Bookkeeping members that sit beside the content and say nothing about its type. */
const IGNORED = new Set(['messageContextInfo', 'senderKeyDistributionMessage']);

const MEDIA_KINDS: Record<string, string> = {
  imageMessage: 'image', videoMessage: 'video', ptvMessage: 'video', audioMessage: 'audio',
  documentMessage: 'document', stickerMessage: 'sticker',
};

const TYPE_BY_KEY: Record<string, string> = {
  ...MEDIA_KINDS,
  conversation: 'text', extendedTextMessage: 'text', contactMessage: 'contact', contactsArrayMessage: 'contacts',
  locationMessage: 'location', liveLocationMessage: 'live_location', reactionMessage: 'reaction',
  pollCreationMessage: 'poll', pollCreationMessageV2: 'poll', pollCreationMessageV3: 'poll', pollUpdateMessage: 'poll_vote',
  buttonsResponseMessage: 'button_reply', templateButtonReplyMessage: 'button_reply', listResponseMessage: 'list_reply',
  interactiveResponseMessage: 'interactive_reply', orderMessage: 'order', productMessage: 'product',
  groupInviteMessage: 'group_invite',
};

/** Baileys protocol message types, numeric or by enum name. */
const PROTOCOL_TYPES: Record<string, string> = { '0': 'revoke', REVOKE: 'revoke', '14': 'edit', MESSAGE_EDIT: 'edit' };

export function unwrap(message: Rec | undefined): Rec | undefined {
  let current = message;
  for (let depth = 0; current && depth < 4; depth++) {
    const wrapper = WRAPPERS.map((w) => asRecord(asRecord(current?.[w])?.['message'])).find(Boolean);
    if (!wrapper) break;
    current = wrapper;
  }
  return current;
}

function contentKey(message: Rec): string | undefined {
  return Object.keys(message).find((k) => !IGNORED.has(k) && message[k] !== null && message[k] !== undefined);
}

/** A short type name (text, image, …) from whichever content member the message object carries. */
export function messageTypeOf(message: Rec | undefined, messageBody: unknown): string {
  const key = message ? contentKey(message) : undefined;
  if (!key) return typeof messageBody === 'string' ? 'text' : 'unknown';
  if (key === 'protocolMessage') {
    const t = asRecord(message?.[key])?.['type'];
    return PROTOCOL_TYPES[String(t)] ?? 'protocol';
  }
  return TYPE_BY_KEY[key] ?? key.replace(/Message$/, '');
}

export function textOf(message: Rec | undefined): string | undefined {
  if (!message) return undefined;
  const media = mediaOf(message);
  return (
    asString(message['conversation']) ??
    asString(asRecord(message['extendedTextMessage'])?.['text']) ??
    (typeof media?.['caption'] === 'string' ? media['caption'] : undefined)
  );
}

export function mediaOf(message: Rec): Rec | undefined {
  const key = Object.keys(MEDIA_KINDS).find((k) => asRecord(message[k]));
  const m = key ? asRecord(message[key]) : undefined;
  if (!key || !m) return undefined;
  const fileLength = toNumber(m['fileLength']);
  return compact({
    kind: MEDIA_KINDS[key],
    mimeType: asString(m['mimetype']) ?? asString(m['mimeType']),
    url: asString(m['url']),
    mediaKey: m['mediaKey'],
    fileSha256: m['fileSha256'],
    fileEncSha256: m['fileEncSha256'],
    fileLength: fileLength ?? m['fileLength'],
    directPath: asString(m['directPath']),
    caption: asString(m['caption']),
    fileName: asString(m['fileName']),
    voice: key === 'audioMessage' ? asBoolean(m['ptt']) : undefined,
    seconds: toNumber(m['seconds']),
  });
}

/** Edits and deletions point at an earlier message through `protocolMessage.key`. */
export function protocolOf(message: Rec | undefined, messageType: string): Rec {
  const protocol = asRecord(message?.['protocolMessage']);
  const targetId = asId(asRecord(protocol?.['key'])?.['id']);
  if (messageType === 'revoke') return compact({ revokedMessageId: targetId });
  if (messageType !== 'edit') return {};
  const edited = unwrap(asRecord(protocol?.['editedMessage']));
  return compact({ editedMessageId: targetId, edited: edited ? compact({ text: textOf(edited) }) : undefined });
}

export function reactionOf(message: Rec | undefined): Rec | undefined {
  const r = asRecord(message?.['reactionMessage']);
  if (!r) return undefined;
  const emoji = asString(r['text']);
  return compact({ messageId: asId(asRecord(r['key'])?.['id']), emoji, removed: emoji === undefined || emoji === '' });
}

export function locationOf(message: Rec | undefined): Rec | undefined {
  const l = asRecord(message?.['locationMessage']) ?? asRecord(message?.['liveLocationMessage']);
  if (!l) return undefined;
  return compact({
    latitude: toNumber(l['degreesLatitude']),
    longitude: toNumber(l['degreesLongitude']),
    name: asString(l['name']),
    address: asString(l['address']),
  });
}

export type ChatType = 'group' | 'newsletter' | 'broadcast' | 'direct';

export function chatTypeOf(remoteJid: string | undefined): ChatType {
  if (remoteJid?.endsWith('@g.us')) return 'group';
  if (remoteJid?.endsWith('@newsletter')) return 'newsletter';
  if (remoteJid?.endsWith('@broadcast')) return 'broadcast';
  return 'direct';
}

/**
 * The customer's phone digits for a message key. Linked ids (`@lid`) hide
 * the number, so only the cleaned/alternate phone fields are trusted then;
 * for our own sends the chat partner is the customer, never the sender.
 */
export function contactOfKey(key: Rec | undefined, fromMe: boolean): string | undefined {
  if (!key) return undefined;
  const remoteJid = asString(key['remoteJid']);
  const chat = chatTypeOf(remoteJid);
  if (chat === 'newsletter' || chat === 'broadcast') return undefined;
  if (chat === 'group') {
    if (fromMe) return undefined;
    return firstPhone(key['cleanedParticipantPn'], key['participantPn'], key['participantAlt'], key['participant']);
  }
  if (fromMe) return firstPhone(remoteJid, key['remoteJidAlt']);
  return firstPhone(key['cleanedSenderPn'], key['senderPn'], key['remoteJidAlt'], remoteJid);
}

function firstPhone(...candidates: unknown[]): string | undefined {
  for (const c of candidates) {
    const digits = phoneDigits(c);
    if (digits) return digits;
  }
  return undefined;
}
