import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliveryLog, LogPage, StoredDelivery } from '../ports/delivery-log.js';
import type { EventStore } from '../ports/event-store.js';
import { drainOnce } from './drain.js';
import { failureBackoffMs } from './worker.js';

const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
const d: StoredDelivery = { id: 'm1', tenant: 'default', provider: 'cloud_api', receivedAt: 1, bytes: body.length, headers: {}, body };

/** A leased log (a queue) that answers `page` to every read and records what was acknowledged and what was given back. */
function leasedLog(page: readonly StoredDelivery[] = [d]): DeliveryLog & { acked: string[]; released: string[] } {
  const acked: string[] = [];
  const released: string[] = [];
  return {
    acked,
    released,
    read: async (from) => ({ deliveries: [...page], next: from }),
    ack: async (page: LogPage) => { acked.push(...page.deliveries.map((x) => x.id)); },
    release: async (page: LogPage) => { released.push(...page.deliveries.map((x) => x.id)); },
    latest: async () => [],
    backlog: async () => null,
    edgeCounters: async () => ({ received: 0, stored: 0, duplicates: 0, rejected: {} }),
    close: async () => {},
  };
}

const store = (fail: boolean): EventStore => ({
  ingest: async (req) => {
    assert.equal(req.checkpoint, undefined, 'a queue has no checkpoint to move');
    if (fail) throw new Error('store down');
    return { inserted: 1, duplicates: 0, applied: true, byKind: {} };
  },
  checkpoint: async () => '',
  close: async () => {},
});

test('a leased page is acknowledged only after its ingest commits; a failed ingest gives it back to come again', async () => {
  const ok = leasedLog();
  assert.equal((await drainOnce(ok, store(false), 10, [])).deliveries, 1);
  assert.deepEqual([ok.acked, ok.released], [['m1'], []]);
  const down = leasedLog();
  await assert.rejects(drainOnce(down, store(true), 10, []), /store down/);
  assert.deepEqual([down.acked, down.released], [[], ['m1']]);
});

/** A store that refuses every commit holding one of `bad` (an item too large for it, say), or every commit when `bad` is 'all'. */
function refusing(bad: readonly string[] | 'all'): EventStore & { tried: number } {
  const st = {
    tried: 0,
    ingest: async (req: { events: readonly { deliveryId: string }[] }) => {
      st.tried++;
      if (bad === 'all' || req.events.some((e) => bad.includes(e.deliveryId))) throw new Error('refused');
      return { inserted: req.events.length, duplicates: 0, applied: true, byKind: {} };
    },
    checkpoint: async () => '',
    close: async () => {},
  };
  return st as unknown as EventStore & { tried: number };
}

const many = (n: number, group?: (i: number) => string): StoredDelivery[] => Array.from({ length: n }, (_, i) => ({ ...d, id: `m${i}`, ...(group ? { group: group(i) } : {}) }));

test('one delivery the store refuses is given back alone: the rest of its page is stored and acknowledged', async () => {
  const log = leasedLog(many(5));
  const r = await drainOnce(log, refusing(['m2']), 10, []);
  assert.equal(r.deliveries, 4);
  assert.deepEqual([log.acked, log.released], [['m0', 'm1', 'm3', 'm4'], ['m2']]);
});

test('a store that refuses everything is not tried once per delivery: after a few in a row the page is given back and the step fails', async () => {
  const log = leasedLog(many(200));
  const store = refusing('all');
  await assert.rejects(drainOnce(log, store, 500, []), /refused/);
  assert.ok(store.tried <= 5, `tried ${store.tried} commits`);
  assert.deepEqual([log.acked.length, log.released.length], [0, 200]);
});

test('a FIFO group\'s deliveries after a refused one are given back with it, never stored ahead of it; other groups go on', async () => {
  const log = leasedLog(many(6, (i) => (i % 2 === 0 ? 'a' : 'b')));
  await drainOnce(log, refusing(['m2']), 10, []);
  assert.deepEqual(log.acked, ['m0', 'm1', 'm3', 'm5']);
  assert.deepEqual(log.released, ['m2', 'm4']);
});

test('a drain step that keeps failing waits longer each time, doubling from the poll interval up to a cap', () => {
  const waits = [1, 2, 3, 4, 10, 40].map((n) => failureBackoffMs(50, n));
  assert.deepEqual(waits, [100, 200, 400, 800, 5_000, 5_000]);
  assert.equal(failureBackoffMs(8_000, 3), 8_000, 'never shorter than the poll interval itself');
});
