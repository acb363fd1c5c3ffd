import { buildEvent, pushFacts, unknownEvent } from '../build.js';
import { messageKey } from '../keys.js';
import { asArray, asId, asRecord, asString, compact, isRecord, secondsToMs } from '../util.js';
import { locate, type ChangeCtx } from './change.js';
import { editOf, extractContent, revokeOf } from './content.js';

/** System notices (number or id changes) are not the customer writing, so they do not open the service window. */
const NOT_CUSTOMER_INITIATED = new Set(['system']);

interface Profile {
  name?: string | undefined;
  username?: string | undefined;
}

/** Every `value.messages[]` item becomes exactly one event. */
export function normalizeMessages(ctx: ChangeCtx, messages: readonly unknown[]): void {
  const profiles = profileIndex(ctx.value['contacts']);
  for (const m of messages) normalizeMessage(ctx, m, profiles);
}

function normalizeMessage(ctx: ChangeCtx, raw: unknown, profiles: Map<string, Profile>): void {
  const { ref, sink } = ctx;
  if (!isRecord(raw)) {
    sink.events.push(unknownEvent(ref, raw, 'message is not an object', locate(ctx)));
    return;
  }
  const messageId = asId(raw['id']);
  if (!messageId) {
    sink.events.push(unknownEvent(ref, raw, 'message has no id', locate(ctx)));
    return;
  }
  const type = asString(raw['type']) ?? 'unknown';
  const from = asId(raw['from']);
  // Users with a username may withhold their number; the business-scoped id then identifies them.
  const userId = asId(raw['from_user_id']) ?? asId(raw['user_id']);
  const contact = from ?? userId;
  const profile = (from && profiles.get(from)) || (userId && profiles.get(userId)) || undefined;
  const timestamp = secondsToMs(raw['timestamp']);

  sink.events.push(
    buildEvent(
      ref,
      { key: messageKey(ref.provider, messageId), kind: 'message', type, messageId, contact, timestamp },
      {
        phoneNumberId: ctx.phoneNumberId,
        displayPhoneNumber: ctx.displayPhoneNumber,
        from,
        fromUserId: userId,
        fromParentUserId: asId(raw['from_parent_user_id']),
        groupId: asId(raw['group_id']),
        profileName: profile?.name,
        username: profile?.username,
        ...extractContent(raw),
        ...editOf(raw),
        ...revokeOf(raw),
      },
    ),
  );

  if (contact) {
    pushFacts(sink, {
      contact,
      ...compact({ profileName: profile?.name }),
      ...(NOT_CUSTOMER_INITIATED.has(type) ? {} : { lastInboundAt: timestamp ?? ref.receivedAt }),
    });
  }
}

/** `value.contacts[]` is keyed by phone (`wa_id`) and, on newer versions, by business-scoped id (`user_id`). */
function profileIndex(contacts: unknown): Map<string, Profile> {
  const index = new Map<string, Profile>();
  for (const c of asArray(contacts) ?? []) {
    const rec = asRecord(c);
    if (!rec) continue;
    const profile = asRecord(rec['profile']);
    const entry: Profile = compact({ name: asString(profile?.['name']), username: asString(profile?.['username']) });
    for (const id of [asId(rec['wa_id']), asId(rec['user_id'])]) if (id && !index.has(id)) index.set(id, entry);
  }
  return index;
}
