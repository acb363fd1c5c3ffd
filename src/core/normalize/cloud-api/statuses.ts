import { buildEvent, unknownEvent } from '../build.js';
import { statusKey } from '../keys.js';
import { asId, asString, camelize, isRecord, secondsToMs } from '../util.js';
import { locate, type ChangeCtx } from './change.js';

/** Every `value.statuses[]` item becomes exactly one event, whatever its status value. */
export function normalizeStatuses(ctx: ChangeCtx, statuses: readonly unknown[]): void {
  for (const s of statuses) normalizeStatus(ctx, s);
}

function normalizeStatus(ctx: ChangeCtx, raw: unknown): void {
  const { ref, sink } = ctx;
  if (!isRecord(raw)) {
    sink.events.push(unknownEvent(ref, raw, 'status is not an object', locate(ctx)));
    return;
  }
  const messageId = asId(raw['id']);
  const status = asString(raw['status']);
  if (!messageId || !status) {
    sink.events.push(unknownEvent(ref, raw, 'status has no id or status value', locate(ctx)));
    return;
  }
  const recipientId = asId(raw['recipient_id']);
  const recipientUserId = asId(raw['recipient_user_id']);
  const recipientType = asString(raw['recipient_type']);
  const recipientParticipantId = asId(raw['recipient_participant_id']);
  // For a group send the recipient id is the group; the customer is the participant.
  const contact =
    recipientType === 'group' ? (recipientParticipantId ?? recipientId) : (recipientId ?? recipientUserId);

  sink.events.push(
    buildEvent(
      ref,
      {
        key: statusKey(ref.provider, messageId, status, recipientParticipantId),
        kind: 'status',
        type: status,
        messageId,
        contact,
        timestamp: secondsToMs(raw['timestamp']),
      },
      {
        status,
        phoneNumberId: ctx.phoneNumberId,
        displayPhoneNumber: ctx.displayPhoneNumber,
        recipientId,
        recipientUserId,
        recipientType,
        recipientParticipantId,
        errors: camelize(raw['errors']),
        pricing: camelize(raw['pricing']),
        conversation: camelize(raw['conversation']),
        bizOpaqueCallbackData: asString(raw['biz_opaque_callback_data']),
      },
    ),
  );
}
