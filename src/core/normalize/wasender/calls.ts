import { buildEvent, unknownEvent } from '../build.js';
import { fieldKey } from '../keys.js';
import { asBoolean, asId, asRecord, asString, flexibleToMs, phoneDigits } from '../util.js';
import { itemsOf, locate, type Envelope } from './envelope.js';

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
