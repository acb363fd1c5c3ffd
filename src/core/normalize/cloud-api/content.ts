import { asId, asRecord, asString, camelize, compact, type Rec } from '../util.js';

const MEDIA_TYPES = new Set(['image', 'audio', 'video', 'document', 'sticker']);

/** Payload objects copied through camelised because their shape is documented and flat enough. */
const CAMELISED = ['location', 'contacts', 'order', 'system', 'identity', 'referral', 'button', 'errors'] as const;

/** Message types whose own payload object is fully represented by the typed fields. */
const MAPPED_TYPES = new Set<string>([
  'text', ...MEDIA_TYPES, ...CAMELISED, 'interactive', 'reaction', 'edit', 'revoke', 'request_welcome',
]);

/**
 * The typed content of one Cloud API message (also used for the new content
 * carried inside an `edit`). Unmapped message types keep their payload
 * object in `content` so nothing a newer API version adds is lost.
 */
export function extractContent(m: Rec): Rec {
  const type = asString(m['type']) ?? 'unknown';
  const out: Rec = {
    text: asString(asRecord(m['text'])?.['body']),
    context: contextOf(m['context']),
    interactive: interactiveOf(m['interactive']),
    reaction: reactionOf(m['reaction']),
  };
  for (const name of CAMELISED) if (m[name] !== undefined) out[name] = camelize(m[name]);
  const mediaType = MEDIA_TYPES.has(type) ? type : [...MEDIA_TYPES].find((t) => asRecord(m[t]));
  const media = mediaType ? asRecord(m[mediaType]) : undefined;
  if (mediaType && media) out['media'] = { kind: mediaType, ...(camelize(media) as Rec) };
  if (!MAPPED_TYPES.has(type) && m[type] !== undefined) out['content'] = m[type];
  return compact(out);
}

function contextOf(v: unknown): Rec | undefined {
  const c = asRecord(v);
  if (!c) return undefined;
  return compact({
    ...(camelize(c) as Rec),
    from: asId(c['from']),
    id: asId(c['id']),
  });
}

/** `interactive.type` names the member holding the reply: button_reply, list_reply, nfm_reply, … */
function interactiveOf(v: unknown): Rec | undefined {
  const it = asRecord(v);
  if (!it) return undefined;
  const type = asString(it['type']);
  const reply = type ? asRecord(it[type]) : undefined;
  return compact({ ...(camelize(reply ?? {}) as Rec), type });
}

function reactionOf(v: unknown): Rec | undefined {
  const r = asRecord(v);
  if (!r) return undefined;
  const emoji = asString(r['emoji']);
  return compact({ messageId: asId(r['message_id']), emoji, removed: emoji === undefined || emoji === '' });
}

/** `edit.message` is a nested message object in the same shape as a top-level one. */
export function editOf(m: Rec): Rec | undefined {
  const edit = asRecord(m['edit']);
  if (!edit) return undefined;
  const inner = asRecord(edit['message']);
  return compact({
    editedMessageId: asId(edit['original_message_id']),
    edited: inner ? compact({ messageType: asString(inner['type']), ...extractContent(inner) }) : undefined,
  });
}

export function revokeOf(m: Rec): Rec | undefined {
  const revoke = asRecord(m['revoke']);
  return revoke ? compact({ revokedMessageId: asId(revoke['original_message_id']) }) : undefined;
}
