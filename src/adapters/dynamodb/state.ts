import { mergeStatus, STATUS_RANK, type MessageStatusState } from '../../core/status.js';
import type { ContactUpdate, MessageStatusUpdate } from '../../ports/event-store.js';
import { N, num, S, str, updateOf, type Ddb } from './ddb.js';

/** Bounded: a conflict means another worker wrote the same item just now; the next read sees it. */
const MAX_TRIES = 20;

export const messageKey = (tenant: string, messageId: string) => ({ pk: S(`M#${tenant}#${messageId}`), sk: S('M') });
export const contactKey = (tenant: string, contact: string) => ({ pk: S(`C#${tenant}#${contact}`), sk: S('C') });

/**
 * A message's status: every distinct report kept as a history item, and the
 * current state folded with core's mergeStatus and written back only if
 * nobody wrote it since it was read (a version), and only upward in rank:
 * the write's condition holds the stored rank at or below the new one, so
 * no order of arrival or of workers can move a status back.
 */
export async function applyStatuses(ddb: Ddb, table: string, s: MessageStatusUpdate): Promise<void> {
  const key = messageKey(s.tenant, s.messageId);
  for (const o of s.observations) {
    await ddb.put(table, {
      pk: key.pk, sk: S(`H#${o.status}#${o.recipient}`), status: S(o.status), recipient: S(o.recipient), ts: N(o.timestamp),
      ...(o.errors === undefined ? {} : { errors: S(JSON.stringify(o.errors)) }),
    }, true);
  }
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const row = await ddb.get(table, key);
    const version = num(row, 'ver') ?? 0;
    const failed = str(row, 'failed');
    let state: MessageStatusState = { status: (str(row, 'status') ?? null) as MessageStatusState['status'], failed: failed ? (JSON.parse(failed) as MessageStatusState['failed']) : null };
    for (const o of s.observations) state = mergeStatus(state, o);
    const rank = state.status === null ? -1 : STATUS_RANK[state.status];
    const written = await ddb.update(table, key, updateOf(
      { status: state.status === null ? undefined : S(state.status), failed: state.failed ? S(JSON.stringify(state.failed)) : undefined, rank: N(rank), ver: N(version + 1), tenant: S(s.tenant), messageId: S(s.messageId), gpk: S('M') },
      { ifNotExists: { provider: S(s.provider), gsk: N(0), ...(s.contact !== null ? { contact: S(s.contact) } : {}) } },
    ), {
      expr: '(attribute_not_exists(#ver) OR #ver = :ver) AND (attribute_not_exists(#rank) OR #rank <= :rank)',
      names: { '#ver': 'ver', '#rank': 'rank' },
      values: { ':ver': N(version), ':rank': N(rank) },
    });
    if (written !== false) return;
  }
  throw new Error(`message ${s.messageId}: status not saved after ${MAX_TRIES} conflicting writes`);
}

/** A contact's facts, with the same rules as the other engines: the later inbound message names the contact; times only grow. */
export async function applyContact(ddb: Ddb, table: string, c: ContactUpdate): Promise<void> {
  const key = contactKey(c.tenant, c.contact);
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const row = await ddb.get(table, key);
    const version = num(row, 'ver');
    let name = c.profileName;
    let last = c.lastInboundAt;
    let window = c.windowOpenUntil;
    if (row !== undefined) {
      const stored = num(row, 'lastInboundAt') ?? null;
      const storedName = str(row, 'profileName') ?? null;
      name = (c.lastInboundAt ?? 0) >= (stored ?? 0) ? (c.profileName ?? storedName) : (storedName ?? c.profileName);
      last = Math.max(stored ?? 0, c.lastInboundAt ?? 0);
      window = Math.max(num(row, 'windowOpenUntil') ?? 0, c.windowOpenUntil ?? 0);
    }
    const written = await ddb.update(table, key, updateOf({
      tenant: S(c.tenant), contact: S(c.contact), profileName: name === null ? undefined : S(name),
      lastInboundAt: last === null ? undefined : N(last), windowOpenUntil: window === null ? undefined : N(window),
      ver: N((version ?? 0) + 1), gpk: S('C'), gsk: N(last ?? 0),
    }), version === undefined
      ? { expr: 'attribute_not_exists(pk)' }
      : { expr: '#ver = :ver', names: { '#ver': 'ver' }, values: { ':ver': N(version) } });
    if (written !== false) return;
  }
  throw new Error(`contact ${c.contact}: not saved after ${MAX_TRIES} conflicting writes`);
}
