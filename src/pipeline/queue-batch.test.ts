import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredDelivery } from '../ports/delivery-log.js';
import type { EventStore, IngestRequest } from '../ports/event-store.js';
import type { JobRunner } from './jobs.js';
import { ingestQueued, runReadyJobs } from './queue-batch.js';

const delivery = (id: string, text: string): StoredDelivery => {
  const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'w', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '1' }, messages: [{ from: '1', id: `wamid.${id}`, timestamp: '1', type: 'text', text: { body: text } }] } }] }] }));
  return { id, tenant: 'default', provider: 'cloud_api', receivedAt: 1, bytes: body.length, headers: {}, body };
};

/** A store that refuses any commit holding a delivery it was told to refuse, as a store with one unwritable item would. */
function storeRefusing(bad: string): EventStore & { commits: string[][] } {
  const commits: string[][] = [];
  return {
    commits,
    async ingest(req: IngestRequest) {
      const ids = req.events.map((e) => e.deliveryId);
      if (ids.includes(bad)) throw new Error('item too large');
      commits.push(ids);
      return { inserted: ids.length, duplicates: 0, applied: true, byKind: {} };
    },
    async checkpoint() { return ''; },
    async close() {},
  };
}

test('a batch is one commit; when it fails, each delivery is tried alone and only the bad one fails', async () => {
  const good = await ingestQueued([delivery('a', 'x'), delivery('b', 'y')], storeRefusing('none'), []);
  assert.deepEqual([...good.failed], []);
  const store = storeRefusing('b');
  const r = await ingestQueued([delivery('a', 'x'), delivery('b', 'y'), delivery('c', 'z')], store, []);
  assert.deepEqual([...r.failed], ['b']);
  assert.deepEqual(store.commits, [['a'], ['c']]);
  assert.equal(r.inserted, 2);
});

test('the wait for running jobs ends with the time left, less the reserve, so the function answers before its timeout', async () => {
  let clock = 10_000;
  let ticks = 0;
  const hung = new Promise<void>(() => undefined);
  const runner = { tick: async () => ++ticks, idle: () => hung } as unknown as JobRunner;
  const started = Date.now();
  const n = await runReadyJobs(runner, () => clock - (Date.now() - started), 9_850);
  assert.equal(n, 1, 'one tick, then the wait gives up');
  assert.ok(Date.now() - started < 2_000);
  clock = 1_000;
  assert.equal(await runReadyJobs(runner, () => clock, 2_000), 0, 'nothing started with less than the reserve left');
  const done = { tick: async () => (ticks++ < 3 ? 1 : 0), idle: async () => undefined } as unknown as JobRunner;
  ticks = 0;
  assert.equal(await runReadyJobs(done, () => Number.POSITIVE_INFINITY, 2_000), 3, 'without a deadline, until none is ready');
});
