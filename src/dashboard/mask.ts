/**
 * Phone numbers in what the admin API returns. The dashboard masks them in
 * the browser, but the JSON itself is readable by anything that can call the
 * API, so the server masks them before they leave, in the same fixed-width
 * form (the number's length is not shown either).
 *
 * Numbers are found by field name (the fields WhatsApp payloads and the
 * normaliser put them in, at any depth, raw payloads included) and by shape
 * anywhere (a WhatsApp JID: digits before an `@`). Message ids stay as they
 * are: they are identifiers that callers look events up by.
 */

const MASK = '******';

// Compared lower-cased without `_`, so `recipient_id` and `recipientId` are one entry.
const PHONE_FIELDS = new Set([
  'contact', 'from', 'to', 'recipient', 'recipientid', 'recipientparticipantid', 'waid', 'newwaid', 'input',
  'phone', 'phonenumber', 'displayphonenumber', 'mobile',
  'cleanedsenderpn', 'senderpn', 'participant', 'participantpn', 'cleanedparticipantpn', 'participantalt',
  'remotejid', 'remotejidalt', 'jid', 'userjid', 'sender',
]);

const JID = /^\+?(\d{5,})((?::\d+)?@[\w.-]+)$/;

/**
 * @example
 * maskPhone('16505551234') // '******1234'
 * maskPhone('15550100001@s.whatsapp.net') // '******0001@s.whatsapp.net'
 */
export function maskPhone(value: string): string {
  const jid = JID.exec(value);
  if (jid !== null) return MASK + jid[1]!.slice(-4) + jid[2]!;
  return value.length > 4 ? MASK + value.slice(-4) : MASK;
}

function walk(v: unknown, named: boolean): unknown {
  if (typeof v === 'string') return named || JID.test(v) ? maskPhone(v) : v;
  if (typeof v === 'number' && named) return maskPhone(String(v));
  if (Array.isArray(v)) return v.map((x) => walk(x, named));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, PHONE_FIELDS.has(k.toLowerCase().replaceAll('_', '')));
    return out;
  }
  return v;
}

/** Status keys end in the group participant's number when there is one (see statusKey). */
function maskKey(key: unknown): unknown {
  if (typeof key !== 'string') return key;
  const parts = key.split(':');
  if (parts[1] !== 'status' || parts.length < 5) return key;
  return [...parts.slice(0, 4), maskPhone(parts.slice(4).join(':'))].join(':');
}

/** A copy of an event (or anything shaped like one) with its phone numbers masked. */
export function maskEvent<T>(event: T): T {
  if (typeof event !== 'object' || event === null) return event;
  const out = walk(event, false) as Record<string, unknown>;
  if ('key' in out) out.key = maskKey(out.key);
  return out as T;
}

/** A copy of a dead letter with the phone numbers of its key and event masked. */
export function maskDeadLetter<T extends { key: string; event: unknown }>(dead: T): T {
  return { ...dead, key: maskKey(dead.key) as string, event: maskEvent(dead.event) };
}
