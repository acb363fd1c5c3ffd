import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cached, pendingAgeMs, type StoreSample } from './store-sample.js';

test('a cached value is read once per max age, however many callers ask, and concurrent callers share one read', async () => {
  let now = 0;
  let reads = 0;
  const c = new Cached(async () => ++reads, 1000, () => now);
  const first = await Promise.all(Array.from({ length: 50 }, () => c.get()));
  assert.deepEqual(new Set(first), new Set([1]));
  for (let t = 0; t < 1000; t += 20) {
    now = t;
    assert.equal(await c.get(), 1);
  }
  assert.equal(reads, 1, '50 concurrent and 50 later calls within the second cost one read');
  now = 1000;
  assert.equal(await c.get(), 2);
  assert.equal(reads, 2);
});

test('a failed read is not kept: its callers see the error and the next caller reads again', async () => {
  let fail = true;
  let reads = 0;
  const c = new Cached(async () => {
    reads++;
    if (fail) throw new Error('store down');
    return 'ok';
  }, 1000, () => 0);
  const both = await Promise.allSettled([c.get(), c.get()]);
  assert.deepEqual(both.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(reads, 1);
  fail = false;
  assert.equal(await c.get(), 'ok');
  assert.equal(reads, 2);
});

test('the oldest pending age keeps growing between samples, and is 0 with nothing pending', () => {
  const s = (queueDepth: number): StoreSample => ({
    at: 10_000,
    edge: { received: 0, stored: 0, duplicates: 0, rejected: {} },
    state: { events: { eventsByKind: {}, events: 0, duplicates: 0, checkpoint: '' }, jobs: { pending: 0, dead: 0 }, queueDepth, oldestPendingAgeMs: queueDepth > 0 ? 500 : 0 },
  });
  assert.equal(pendingAgeMs(s(3), 10_400), 900);
  assert.equal(pendingAgeMs(s(0), 10_400), 0);
});
