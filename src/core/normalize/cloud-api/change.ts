import type { DeliveryRef } from '../../events.js';
import type { Sink } from '../build.js';
import { asId, asRecord, compact, secondsToMs, type Rec } from '../util.js';

/** One `entry[].changes[]` item, with what its siblings and parent tell us. */
export interface ChangeCtx {
  ref: DeliveryRef;
  sink: Sink;
  entryId: string | undefined;
  /** `entry[].time` in ms; present on most non-message fields. */
  entryTime: number | undefined;
  field: string;
  value: Rec;
  phoneNumberId: string | undefined;
  displayPhoneNumber: string | undefined;
}

export function makeChangeCtx(
  ref: DeliveryRef,
  sink: Sink,
  entry: Rec,
  field: string,
  value: Rec,
): ChangeCtx {
  const metadata = asRecord(value['metadata']);
  return {
    ref,
    sink,
    entryId: asId(entry['id']),
    entryTime: secondsToMs(entry['time']),
    field,
    value,
    phoneNumberId: asId(metadata?.['phone_number_id']),
    displayPhoneNumber: asId(metadata?.['display_phone_number']),
  };
}

/** Where an unknown piece sat, so it can be traced back without re-parsing the delivery. */
export function locate(ctx: ChangeCtx): Rec {
  return compact({ entryId: ctx.entryId, field: ctx.field, phoneNumberId: ctx.phoneNumberId });
}
