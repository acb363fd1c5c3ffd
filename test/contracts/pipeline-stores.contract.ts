import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WahookEvent } from '../../src/core/events.js';
import { planIngest } from '../../src/pipeline/ingest-plan.js';
import { START, type StoredDelivery } from '../../src/ports/delivery-log.js';
import type { PipelineStores } from '../../src/ports/engine.js';
import type { EventQuery } from '../../src/ports/event-query.js';

/** Fresh, empty pipeline stores; `open` may be called again for a second worker (or a restart) over the same data. */
export interface PipelineFixture {
  open(): Promise<PipelineStores>;
  openQuery(): Promise<EventQuery>;
  dispose(): Promise<void>;
}

let nextId = 1;
function delivery(body: object, tenant = 'default'): StoredDelivery {
  const bytes = Buffer.from(JSON.stringify(body));
  return { id: String(nextId++), tenant, provider: 'cloud_api', receivedAt: 1_700_000_000_000, bytes: bytes.length, headers: {}, body: bytes };
}

const envelope = (value: object): object => ({ object: 'whatsapp_business_account', entry: [{ id: 'waba', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '1' }, ...value } }] }] });
const text = (id: string, from: string, ts: number): object => ({ from, id, timestamp: String(ts), type: 'text', text: { body: id } });
const image = (id: string, from: string, ts: number): object => ({ from, id, timestamp: String(ts), type: 'image', image: { id: `media-${id}`, mime_type: 'image/jpeg', sha256: 'ab'.repeat(32) } });
const status = (id: string, value: string, ts: number): object => ({ id, status: value, timestamp: String(ts), recipient_id: '16505551234' });

const handler = [{ name: 'handler' }];

/**
 * What every event store and job queue promise together: idempotent
 * ingest, a checkpoint that moves with the batch (and only once when two
 * workers race), statuses merged whatever their order, the contact window,
 * jobs routed by kind, per-lane order, leases that expire, retries and
 * dead letters.
 */
export function pipelineStoresContract(engine: string, fixture: () => Promise<PipelineFixture>, opts: { readonly eventLanes?: false } = {}): void {
  describe(`event store and job queue contract (${engine})`, () => {
    test('ingest is idempotent by event key, and the checkpoint moves with the batch only from where it was', async () => {
      const f = await fixture();
      const s = await f.open();
      try {
        const d = [delivery(envelope({ messages: [text('wamid.1', '111', 1)] }))];
        const first = await s.events.ingest(planIngest(d, [], { from: START, to: 'p1' }));
        assert.deepEqual([first.applied, first.inserted, first.duplicates], [true, 1, 0]);
        assert.equal(await s.events.checkpoint(), 'p1');
        const stale = await s.events.ingest(planIngest(d, [], { from: START, to: 'p2' }));
        assert.equal(stale.applied, false, 'a second worker that read from the old checkpoint writes nothing');
        assert.equal(await s.events.checkpoint(), 'p1');
        const again = await s.events.ingest(planIngest([delivery(envelope({ messages: [text('wamid.1', '111', 1)] }))], []));
        assert.deepEqual([again.inserted, again.duplicates], [0, 1]);
        const q = await f.openQuery();
        assert.equal((await q.events({})).length, 1);
        assert.equal((await q.stats()).checkpoint, 'p1');
        await q.close();
      } finally {
        await s.close();
        await f.dispose();
      }
    });

    test('statuses in any order and repeated end at the highest rank; contacts keep the 24-hour window', async () => {
      const f = await fixture();
      const s = await f.open();
      try {
        await s.events.ingest(planIngest([delivery(envelope({ statuses: [status('wamid.o', 'read', 30)] }))], []));
        await s.events.ingest(planIngest([delivery(envelope({ statuses: [status('wamid.o', 'sent', 10), status('wamid.o', 'delivered', 20)] }))], []));
        await s.events.ingest(planIngest([delivery(envelope({ contacts: [{ wa_id: '222', profile: { name: 'Ann' } }], messages: [text('wamid.in', '222', 100)] }))], []));
        const q = await f.openQuery();
        const m = (await q.messages(10)).find((x) => x.messageId === 'wamid.o')!;
        assert.equal(m.status, 'read');
        assert.deepEqual(m.statusHistory.map((h) => h.status), ['sent', 'delivered', 'read']);
        const c = (await q.contacts(10)).find((x) => x.contact === '222')!;
        assert.equal(c.profileName, 'Ann');
        assert.equal(c.windowOpenUntil! - c.lastInboundAt!, 24 * 3600 * 1000);
        await q.close();
      } finally {
        await s.close();
        await f.dispose();
      }
    });

    test('jobs go only to targets that take the event, and run one at a time per lane, in order', async () => {
      const f = await fixture();
      const s = await f.open();
      try {
        const targets = [{ name: 'handler' }, { name: 'texts', kinds: ['message' as const], types: ['text'] }];
        await s.events.ingest(planIngest([delivery(envelope({ messages: [text('wamid.a', '333', 1), text('wamid.b', '333', 2)], statuses: [status('wamid.x', 'sent', 3)] }))], targets));
        assert.deepEqual(await s.jobs.counts(), { pending: 5, dead: 0 });
        const now = Date.now();
        const claimed = await s.jobs.claim(now, 10, 60_000);
        const lanes = claimed.map((j) => `${j.target}|${j.conversation}`);
        assert.equal(new Set(lanes).size, lanes.length, 'one job per lane at a time');
        const texts = claimed.filter((j) => j.target === 'texts');
        assert.deepEqual(texts.map((j) => j.event.messageId), ['wamid.a'], 'the lane head is its oldest job');
        assert.deepEqual(await s.jobs.claim(now, 10, 60_000), [], 'leased lanes are not offered again');
        await s.jobs.complete(texts[0]!);
        const next = await s.jobs.claim(now, 10, 60_000);
        assert.deepEqual(next.map((j) => [j.target, j.event.messageId]), [['texts', 'wamid.b']]);
      } finally {
        await s.close();
        await f.dispose();
      }
    });

    test('a claim whose worker died comes back after its lease, and only then', async () => {
      const f = await fixture();
      const dead = await f.open();
      const alive = await f.open();
      try {
        await dead.events.ingest(planIngest([delivery(envelope({ messages: [text('wamid.lease', '444', 1)] }))], handler));
        const t0 = Date.now();
        const [job] = await dead.jobs.claim(t0, 1, 5_000);
        assert.ok(job);
        await dead.close();
        assert.deepEqual(await alive.jobs.claim(t0 + 4_999, 1, 5_000), [], 'not while the lease holds');
        const [again] = await alive.jobs.claim(t0 + 5_000, 1, 5_000);
        assert.equal(again!.event.key, job.event.key);
        await alive.jobs.complete(again!);
        assert.deepEqual(await alive.jobs.counts(), { pending: 0, dead: 0 });
      } finally {
        await alive.close();
        await f.dispose();
      }
    });

    test('a lane given back by the claim that holds it is due at once; one whose lease ran out and another worker took stays theirs', async () => {
      const f = await fixture();
      const a = await f.open();
      const b = await f.open();
      try {
        await a.events.ingest(planIngest([delivery(envelope({ messages: [text('wamid.back1', '555', 1), text('wamid.back2', '556', 2)] }))], handler));
        const t0 = Date.now();
        const claimed = await a.jobs.claim(t0, 10, 5_000);
        assert.equal(claimed.length, 2);
        const [first, second] = claimed.sort((x, y) => x.seq - y.seq);
        await a.jobs.release([first!], t0 + 5_000, t0 + 1);
        const again = await b.jobs.claim(t0 + 2, 10, 5_000);
        assert.deepEqual(again.map((j) => j.seq), [first!.seq], 'given back: due at once; the other lane is still leased');
        // The second lane's lease runs out and b takes it: a's late give-back must not hand it on again.
        const [taken] = await b.jobs.claim(t0 + 5_000, 10, 5_000);
        assert.equal(taken!.seq, second!.seq);
        await a.jobs.release([second!], t0 + 5_000, t0 + 5_001);
        assert.deepEqual(await a.jobs.claim(t0 + 5_001, 10, 5_000), [], 'still leased by b (and the first lane by b\'s claim too)');
        for (const j of [again[0]!, taken!]) await b.jobs.complete(j);
        assert.deepEqual(await b.jobs.counts(), { pending: 0, dead: 0 });
      } finally {
        await a.close();
        await b.close();
        await f.dispose();
      }
    });

    test('two workers claiming at once never get the same job', async () => {
      const f = await fixture();
      const a = await f.open();
      const b = await f.open();
      try {
        const messages = Array.from({ length: 40 }, (_, i) => text(`wamid.c${i}`, String(5000 + i), i));
        await a.events.ingest(planIngest([delivery(envelope({ messages }))], handler));
        const now = Date.now();
        const [ja, jb] = await Promise.all([a.jobs.claim(now, 25, 60_000), b.jobs.claim(now, 25, 60_000)]);
        const keys = [...ja, ...jb].map((j) => j.event.key);
        assert.equal(keys.length, 40);
        assert.equal(new Set(keys).size, 40);
      } finally {
        await a.close();
        await b.close();
        await f.dispose();
      }
    });

    test('a failure retries at its time, then dead-letters; dead letters can be retried and purged', async () => {
      const f = await fixture();
      const s = await f.open();
      try {
        await s.events.ingest(planIngest([delivery(envelope({ messages: [text('wamid.f', '666', 1)] }))], handler));
        const now = Date.now();
        const [job] = await s.jobs.claim(now, 1, 60_000);
        await s.jobs.fail(job!, 'Error: boom', now + 1_000, now);
        assert.deepEqual(await s.jobs.claim(now + 999, 1, 60_000), []);
        const [retry] = await s.jobs.claim(now + 1_000, 1, 60_000);
        assert.equal(retry!.attempts, 1);
        await s.jobs.fail(retry!, 'Error: still', null, now + 1_000);
        const [dl] = await s.jobs.deadLetters(10);
        assert.deepEqual([dl!.key, dl!.attempts, dl!.lastError], [job!.event.key, 2, 'Error: still']);
        assert.equal(await s.jobs.retryDeadLetters([], now + 2_000), 1);
        const [revived] = await s.jobs.claim(now + 2_000, 1, 60_000);
        assert.equal(revived!.event.key, job!.event.key);
        await s.jobs.fail(revived!, 'Error: again', null, now + 2_000);
        assert.equal(await s.jobs.purgeDeadLetters([]), 1);
        assert.deepEqual(await s.jobs.counts(), { pending: 0, dead: 0 });
      } finally {
        await s.close();
        await f.dispose();
      }
    });

    test('a delivery whose JSON escapes NUL or a lone surrogate is stored with the rest of its batch, each such character as U+FFFD', async () => {
      const f = await fixture();
      const s = await f.open();
      try {
        const odd = { from: '777', id: 'wamid.nul', timestamp: '1', type: 'text', text: { body: 'a\u0000b\ud800c\udc00d \ud83d\ude00' } };
        const batch = [
          delivery(envelope({ contacts: [{ wa_id: '777', profile: { name: 'N\u0000' } }], messages: [odd] })),
          delivery(envelope({ messages: [text('wamid.after', '778', 2)] })),
        ];
        const r = await s.events.ingest(planIngest(batch, handler));
        assert.equal(r.inserted, 2);
        const q = await f.openQuery();
        const stored = (await q.events({})).find((e) => e.messageId === 'wamid.nul')!;
        assert.equal(stored.text, 'a\uFFFDb\uFFFDc\uFFFDd \ud83d\ude00', 'a pair is kept; NUL and lone halves are replaced');
        assert.equal((await s.jobs.claim(Date.now(), 10, 60_000)).length, 2, 'both events got their jobs');
        await q.close();
      } finally {
        await s.close();
        await f.dispose();
      }
    });

    test('enqueue adds a target to events already stored, once', async () => {
      const f = await fixture();
      const s = await f.open();
      try {
        await s.events.ingest(planIngest([delivery(envelope({ messages: [text('wamid.e', '777', 1)] }))], []));
        const q = await f.openQuery();
        const [e] = (await q.events({})) as WahookEvent[];
        await q.close();
        assert.equal(await s.jobs.enqueue('media', [{ tenant: e!.tenant, key: e!.key }, { tenant: e!.tenant, key: 'no-such-key' }], Date.now()), 1);
        assert.equal(await s.jobs.enqueue('media', [{ tenant: e!.tenant, key: e!.key }], Date.now()), 0);
        const [job] = await s.jobs.claim(Date.now(), 5, 60_000);
        assert.deepEqual([job!.target, job!.event.key], ['media', e!.key]);
      } finally {
        await s.close();
        await f.dispose();
      }
    });

    // An engine without event lanes and claim scopes has no media support yet, and media is refused with it.
    const noLanes = opts.eventLanes === false ? `${engine} has no event lanes or claim scopes yet, so media is refused with it` : false;
    test('a target that takes events by a field, in lanes of their own, is claimed apart from the others', { skip: noLanes }, async () => {
      const f = await fixture();
      const s = await f.open();
      try {
        // Two images and a text from one contact: the media jobs do not queue behind each other, the handler's do.
        const targets = [{ name: 'handler' }, { name: 'media', kinds: ['message' as const], has: 'media', lane: 'event' as const }];
        await s.events.ingest(planIngest([delivery(envelope({ messages: [image('wamid.i1', '888', 1), image('wamid.i2', '888', 2), text('wamid.t', '888', 3)] }))], targets));
        assert.deepEqual(await s.jobs.counts(), { pending: 5, dead: 0 });
        const now = Date.now();
        const media = await s.jobs.claim(now, 10, 60_000, new Set(), { only: ['media'] });
        assert.deepEqual(media.map((j) => j.event.messageId).sort(), ['wamid.i1', 'wamid.i2'], 'both media jobs at once');
        const handlers = await s.jobs.claim(now, 10, 60_000, new Set(), { except: ['media'] });
        assert.deepEqual(handlers.map((j) => [j.target, j.event.messageId]), [['handler', 'wamid.i1']], 'the conversation lane offers its head only');
        await s.jobs.fail(media[0]!, 'WAHOOK_ERR_MEDIA_EXPIRED: old', null, now);
        await s.jobs.fail(handlers[0]!, 'Error: handler', null, now);
        const seq = media[0]!.seq;
        const sameEvent = handlers[0]!.seq === seq;
        // Retrying one target's dead letter leaves the other targets' dead letters of the same event alone.
        assert.equal(await s.jobs.retryDeadLetters([seq], now, 'media'), 1);
        const dead = await s.jobs.deadLetters(10);
        assert.deepEqual(dead.map((d) => d.target), ['handler']);
        if (sameEvent) assert.equal(dead[0]!.seq, seq);
        const [again] = await s.jobs.claim(now, 10, 60_000, new Set(), { only: ['media'] });
        assert.equal(again!.event.messageId, media[0]!.event.messageId);
        // Enqueued in the event's own lane, a media job is not held by another media job of the conversation.
        const q = await f.openQuery();
        const [t] = await q.events({ type: 'text' });
        await q.close();
        assert.equal(await s.jobs.enqueue('media', [{ tenant: t!.tenant, key: t!.key }], now, 'event'), 1);
        const [enqueued] = await s.jobs.claim(now, 10, 60_000, new Set(), { only: ['media'] });
        assert.deepEqual([enqueued!.target, enqueued!.event.messageId], ['media', 'wamid.t']);
      } finally {
        await s.close();
        await f.dispose();
      }
    });
  });
}
