import { conversationOf } from '../../core/conversation.js';
import type { WahookEvent } from '../../core/events.js';
import { routesFor } from '../../core/job-routing.js';
import { START, type Checkpoint } from '../../ports/delivery-log.js';
import type { EventStore, IngestRequest, IngestResult } from '../../ports/event-store.js';
import { N, num, S, str, updateOf, type Ddb } from './ddb.js';
import { jsonAttr } from './json-attr.js';
import type { DynamoJobQueue } from './job-queue.js';
import { applyContact, applyStatuses, messageKey } from './state.js';
import type { TableNames } from './tables.js';

export const CHECKPOINT_KEY = { pk: S('CHECKPOINT'), sk: S('CHECKPOINT') };
export const eventKey = (tenant: string, key: string) => ({ pk: S(`E#${tenant}#${key}`), sk: S('E') });
/** Conversations written at once; within one conversation events go in order, so each lane's jobs keep theirs. */
const PARALLEL_CONVERSATIONS = 8;

/**
 * Events in DynamoDB. An event is inserted by a conditional write
 * (`attribute_not_exists`), so an event seen before is a duplicate whatever
 * worker or Lambda sees it again. DynamoDB has no transaction as large as a
 * batch, so `ingest` is a sequence of idempotent writes instead of one
 * commit. An event is written `open`, then its message or session row and
 * its jobs, and is closed last: an ingest that died between those writes
 * (a throttled write, a Lambda timing out) leaves it open, and the next
 * ingest of the same delivery finishes it at the number it was first given
 * instead of taking it for a duplicate, so no job is lost. The checkpoint,
 * written last and only from where it was, moves once.
 */
export class DynamoEventStore implements EventStore {
  constructor(private readonly ddb: Ddb, private readonly t: TableNames, private readonly jobs: DynamoJobQueue) {}

  async ingest(req: IngestRequest): Promise<IngestResult> {
    if (req.checkpoint && (await this.checkpoint()) !== req.checkpoint.from) return { inserted: 0, duplicates: 0, applied: false, byKind: {} };
    const seqs = await this.reserve(req.events.length);
    const now = Date.now();
    const byConversation = new Map<string, { e: WahookEvent; seq: number }[]>();
    req.events.forEach((e, i) => {
      const c = conversationOf(e);
      const list = byConversation.get(c) ?? [];
      list.push({ e, seq: seqs + i });
      byConversation.set(c, list);
    });
    const byKind = new Map<string, number>();
    let inserted = 0;
    const lanes = [...byConversation.values()];
    for (let i = 0; i < lanes.length; i += PARALLEL_CONVERSATIONS) {
      await Promise.all(lanes.slice(i, i + PARALLEL_CONVERSATIONS).map(async (list) => {
        for (const { e, seq } of list) {
          if (!(await this.insertEvent(e, seq, req, now))) continue;
          inserted++;
          byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
        }
      }));
    }
    for (const c of req.contacts) await applyContact(this.ddb, this.t.events, c);
    for (const s of req.statuses) await applyStatuses(this.ddb, this.t.events, s);
    const duplicates = req.events.length - inserted;
    for (const [kind, n] of byKind) await this.bump(`events.${kind}`, n);
    if (duplicates > 0) await this.bump('duplicates', duplicates);
    if (req.checkpoint) {
      const moved = await this.ddb.update(this.t.events, CHECKPOINT_KEY, updateOf({ position: S(req.checkpoint.to) }), req.checkpoint.from === START
        ? { expr: 'attribute_not_exists(#p) OR #p = :from', names: { '#p': 'position' }, values: { ':from': S(START) } }
        : { expr: '#p = :from', names: { '#p': 'position' }, values: { ':from': S(req.checkpoint.from) } });
      if (moved === false) return { inserted, duplicates, applied: false, byKind: Object.fromEntries(byKind) };
    }
    return { inserted, duplicates, applied: true, byKind: Object.fromEntries(byKind) };
  }

  /** The first of `n` new sequence numbers (events are listed, and lanes ordered, by them). */
  private async reserve(n: number): Promise<number> {
    if (n === 0) return 0;
    const r = await this.ddb.update(this.t.events, { pk: S('SEQ'), sk: S('SEQ') }, updateOf({}, { add: { value: n } }));
    return num(r || undefined, 'value')! - n + 1;
  }

  /**
   * Writes an event and what follows from it. True for the ingest that closes it: of two ingests of the same
   * event at once (an SQS message delivered twice), both may write what follows, which changes nothing the
   * second time, and only one closes it, so it is counted once.
   */
  private async insertEvent(e: WahookEvent, fresh: number, req: IngestRequest, now: number): Promise<boolean> {
    const key = eventKey(e.tenant, e.key);
    const item = {
      ...key, gpk: S('E'), gsk: N(fresh), tenant: S(e.tenant), key: S(e.key), kind: S(e.kind), type: S(e.type),
      ts: N(e.timestamp), deliveryId: S(String(e.deliveryId)), json: await jsonAttr(e), open: N(1),
    };
    let seq = fresh;
    if (!(await this.ddb.put(this.t.events, item, true))) {
      const first = await this.ddb.get(this.t.events, key);
      if (first?.open === undefined) return false;
      seq = num(first, 'gsk')!;
    }
    await this.followFrom(e, seq, req, now);
    return (await this.ddb.update(this.t.events, key, updateOf({ open: undefined }), { expr: 'attribute_exists(#o)', names: { '#o': 'open' } })) !== false;
  }

  /** The message or session row and the jobs of an event: each write idempotent, so an open event can be finished again. */
  private async followFrom(e: WahookEvent, seq: number, req: IngestRequest, now: number): Promise<void> {
    if (e.kind === 'message' && e.messageId !== undefined) {
      await this.ddb.update(this.t.events, messageKey(e.tenant, e.messageId), updateOf(
        { type: S(e.type), ts: N(e.timestamp), gsk: N(e.timestamp), gpk: S('M'), tenant: S(e.tenant), messageId: S(e.messageId), ...(e.contact ? { contact: S(e.contact) } : {}) },
        { ifNotExists: { provider: S(e.provider) } },
      ));
    } else if (e.kind === 'session') {
      const sessionId = typeof e.sessionId === 'string' ? e.sessionId : '';
      const status = typeof e.status === 'string' ? e.status : e.type;
      await this.ddb.update(this.t.events, { pk: S(`S#${e.tenant}#${sessionId}`), sk: S('S') }, updateOf({ status: S(status), updatedAt: N(e.timestamp) }), {
        expr: 'attribute_not_exists(#u) OR #u <= :u', names: { '#u': 'updatedAt' }, values: { ':u': N(e.timestamp) },
      });
    }
    // Each job goes in the lane its target asks for: the conversation's, or the event's own (media).
    for (const r of routesFor(req.targets, e)) await this.jobs.outbox(seq, r.target, r.lane, e, now);
  }

  private async bump(name: string, n: number): Promise<void> {
    await this.ddb.update(this.t.events, { pk: S('COUNTERS'), sk: S(name) }, updateOf({}, { add: { value: n } }));
  }

  async checkpoint(): Promise<Checkpoint> {
    return str(await this.ddb.get(this.t.events, CHECKPOINT_KEY), 'position') ?? START;
  }

  async close(): Promise<void> {}
}
