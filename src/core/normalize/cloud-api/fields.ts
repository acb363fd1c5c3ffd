import { buildEvent } from '../build.js';
import { fieldKey } from '../keys.js';
import { asArray, asId, asRecord, asString, camelize, compact, secondsToMs, type Rec } from '../util.js';
import type { ChangeCtx } from './change.js';

/** Arrays of per-item updates inside field values, with the member that identifies an item. */
const ITEM_ARRAYS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['calls', ['id']],
  ['groups', ['group_id']],
  ['message_echoes', ['id']],
  ['user_preferences', ['wa_id', 'user_id']],
  ['statuses', ['id']],
];

/** Bounds key length for values carrying hundreds of items; the value hash still tells them apart. */
const MAX_ITEM_IDS = 8;

/**
 * A non-`messages` change (templates, account, phone number, calls, flows,
 * echoes, history, groups, …, or a field nobody has documented yet) becomes
 * one `field` event carrying its raw value plus a few obvious ids.
 */
export function normalizeField(ctx: ChangeCtx, rawValue: unknown): void {
  const value = asRecord(rawValue) ?? {};
  const first = firstItems(value);
  const extracted = compact({
    templateId: asId(value['message_template_id']),
    templateName: asString(value['message_template_name']),
    templateLanguage: asString(value['message_template_language']),
    event: asString(value['event']) ?? asString(first?.['event']),
    decision: asString(value['decision']),
    phoneNumber: asId(value['phone_number']) ?? asId(value['display_phone_number']),
    flowId: asId(value['flow_id']),
    entityId: asId(value['entity_id']),
    entityType: asString(value['entity_type']),
    phoneNumberId: ctx.phoneNumberId,
    displayPhoneNumber: ctx.displayPhoneNumber,
  });
  const itemIds = collectItemIds(value);
  const ids = [ctx.entryId, ctx.phoneNumberId, extracted.templateId, extracted.flowId, extracted.entityId, ...itemIds];
  const timestamp = secondsToMs(value['timestamp']) ?? secondsToMs(first?.['timestamp']) ?? ctx.entryTime;

  ctx.sink.events.push(
    buildEvent(
      ctx.ref,
      {
        key: fieldKey(ctx.ref.provider, ctx.field, defined(ids), timestamp, rawValue),
        kind: 'field',
        type: ctx.field,
        messageId: ctx.field === 'smb_message_echoes' && itemIds.length === 1 ? itemIds[0] : undefined,
        contact: contactOf(ctx.field, first),
        timestamp,
      },
      { ...extracted, field: ctx.field, entryId: ctx.entryId, itemIds: itemIds.length ? itemIds : undefined, value: rawValue },
    ),
  );
}

/** `value.errors[]` of a `messages` change: problems with the webhook itself, not with one message. */
export function normalizeChangeErrors(ctx: ChangeCtx, errors: readonly unknown[]): void {
  for (const error of errors) {
    const timestamp = ctx.entryTime;
    const ids = defined([ctx.entryId, ctx.phoneNumberId]);
    ctx.sink.events.push(
      buildEvent(
        ctx.ref,
        { key: fieldKey(ctx.ref.provider, 'errors', ids, timestamp, error), kind: 'field', type: 'errors', timestamp },
        {
          field: ctx.field,
          entryId: ctx.entryId,
          phoneNumberId: ctx.phoneNumberId,
          displayPhoneNumber: ctx.displayPhoneNumber,
          errors: [camelize(error)],
          value: error,
        },
      ),
    );
  }
}

function firstItems(value: Rec): Rec | undefined {
  for (const [name] of ITEM_ARRAYS) {
    const first = asRecord(asArray(value[name])?.[0]);
    if (first) return first;
  }
  return undefined;
}

function collectItemIds(value: Rec): string[] {
  const ids: string[] = [];
  for (const [name, idFields] of ITEM_ARRAYS) {
    for (const item of asArray(value[name]) ?? []) {
      const rec = asRecord(item);
      const id = idFields.map((f) => asId(rec?.[f])).find((x) => x !== undefined);
      if (id !== undefined) ids.push(id);
      if (ids.length >= MAX_ITEM_IDS) return ids;
    }
  }
  return ids;
}

/** The customer a field update is about, where the payload names exactly one. */
function contactOf(field: string, first: Rec | undefined): string | undefined {
  if (!first) return undefined;
  switch (field) {
    case 'user_preferences':
      return asId(first['wa_id']) ?? asId(first['user_id']);
    case 'calls': {
      const inbound = asString(first['direction']) !== 'BUSINESS_INITIATED';
      const party = inbound ? (asId(first['from']) ?? asId(first['from_user_id'])) : (asId(first['to']) ?? asId(first['to_user_id']));
      // Call status items (RINGING, ACCEPTED, …) name the callee as the recipient instead.
      return party ?? asId(first['recipient_id']);
    }
    case 'smb_message_echoes':
      return asId(first['to']) ?? asId(first['to_user_id']);
    default:
      return undefined;
  }
}

function defined(ids: ReadonlyArray<string | undefined>): string[] {
  return ids.filter((x): x is string => x !== undefined);
}
