import type { DeliveryRef } from '../../events.js';
import { unknownEvent, type Sink } from '../build.js';
import { asArray, asId, asString, isRecord } from '../util.js';
import { locate, makeChangeCtx, type ChangeCtx } from './change.js';
import { normalizeChangeErrors, normalizeField } from './fields.js';
import { normalizeMessages } from './messages.js';
import { normalizeStatuses } from './statuses.js';

/**
 * Walks every `entry[]` and every `changes[]`: Meta batches up to 1,000
 * updates per POST, so stopping at the first item silently loses data.
 */
export function normalizeCloudApi(ref: DeliveryRef, body: unknown, sink: Sink): void {
  if (!isRecord(body)) {
    sink.events.push(unknownEvent(ref, body, 'body is not an object'));
    return;
  }
  const entries = asArray(body['entry']);
  if (!entries) {
    sink.events.push(unknownEvent(ref, body, 'body has no entry array'));
    return;
  }
  for (const entry of entries) {
    if (!isRecord(entry)) {
      sink.events.push(unknownEvent(ref, entry, 'entry is not an object'));
      continue;
    }
    const changes = asArray(entry['changes']);
    if (!changes) {
      sink.events.push(unknownEvent(ref, entry, 'entry has no changes array'));
      continue;
    }
    for (const change of changes) normalizeChange(ref, sink, entry, change);
  }
}

function normalizeChange(ref: DeliveryRef, sink: Sink, entry: Record<string, unknown>, change: unknown): void {
  const field = isRecord(change) ? asString(change['field']) : undefined;
  if (!isRecord(change) || !field) {
    sink.events.push(unknownEvent(ref, change, 'change has no field name', { entryId: asId(entry['id']) }));
    return;
  }
  const rawValue = change['value'];
  const value = isRecord(rawValue) ? rawValue : {};
  const ctx = makeChangeCtx(ref, sink, entry, field, value);
  if (field !== 'messages') {
    normalizeField(ctx, rawValue);
    return;
  }
  if (!normalizeMessagesChange(ctx)) {
    sink.events.push(unknownEvent(ref, change, 'messages change carries no messages, statuses or errors', locate(ctx)));
  }
}

/** Returns false when the change held nothing to emit, so the caller can keep it as unknown. */
function normalizeMessagesChange(ctx: ChangeCtx): boolean {
  const messages = asArray(ctx.value['messages']) ?? [];
  const statuses = asArray(ctx.value['statuses']) ?? [];
  const errors = asArray(ctx.value['errors']) ?? [];
  normalizeMessages(ctx, messages);
  normalizeStatuses(ctx, statuses);
  normalizeChangeErrors(ctx, errors);
  return messages.length + statuses.length + errors.length > 0;
}
