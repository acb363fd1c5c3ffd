import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { START, type DeliveryLog, type DeliveryStore, type NewDelivery } from '../../src/ports/delivery-log.js';

/** A fresh, empty delivery log: its write side, a factory for read sides, and a way to drop it. */
export interface DeliveryLogFixture {
  readonly store: DeliveryStore;
  openLog(): Promise<DeliveryLog>;
  /** Closes the store and opens it again over the same data (a restart). */
  reopenStore(): Promise<DeliveryStore>;
  /** Another writer over the same log, as a second edge process would have (closed by dispose). */
  openWriter(): Promise<DeliveryStore>;
  dispose(): Promise<void>;
}

/**
 * The fixture every engine gives the suite: its store, reopened on demand,
 * and extra writers as other edge processes would have, all closed by
 * dispose before the engine's own clean-up.
 */
export async function deliveryLogFixture(
  openStore: () => Promise<DeliveryStore>,
  openLog: () => Promise<DeliveryLog>,
  cleanUp: () => Promise<void>,
  openWriterStore: () => Promise<DeliveryStore> = openStore,
): Promise<DeliveryLogFixture> {
  let store = await openStore();
  const writers: DeliveryStore[] = [];
  return {
    get store() {
      return store;
    },
    openLog,
    reopenStore: async () => {
      await store.close();
      store = await openStore();
      return store;
    },
    openWriter: async () => {
      const w = await openWriterStore();
      writers.push(w);
      return w;
    },
    dispose: async () => {
      for (const w of writers) await w.close();
      await store.close();
      await cleanUp();
    },
  };
}

const delivery = (text: string, tenant = 'default', receivedAt = Date.now()): NewDelivery => ({
  tenant, provider: 'cloud_api', receivedAt, body: Buffer.from(`{"object":"whatsapp_business_account","entry":[],"t":${JSON.stringify(text)}}`),
  headers: { 'content-type': 'application/json' },
});

/**
 * Waits until `n` deliveries are readable. An engine may hold back a
 * committed delivery while an older transaction could still commit before
 * it (PostgreSQL does, to never skip one); it is readable soon after.
 */
async function readable(log: DeliveryLog, n: number): Promise<void> {
  const end = Date.now() + 10_000;
  while ((await log.read(START, n + 1)).deliveries.length < n) {
    if (Date.now() > end) throw new Error(`fewer than ${n} deliveries readable after 10 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * What every delivery log promises, whatever the engine: appends are
 * durable once answered and survive a restart; exact re-deliveries are
 * stored once; reading from a checkpoint returns every delivery after it
 * once, in order, and concurrent appends are never skipped.
 */
export function deliveryLogContract(engine: string, open: () => Promise<DeliveryLogFixture>): void {
  describe(`delivery log contract (${engine})`, () => {
    test('appends read back in order from START, each once, with bodies and headers intact', async () => {
      const f = await open();
      try {
        for (const t of ['a', 'b', 'c']) await f.store.append(delivery(t));
        const log = await f.openLog();
        await readable(log, 3);
        const page = await log.read(START, 10, { withHeaders: true });
        assert.deepEqual(page.deliveries.map((d) => JSON.parse(d.body.toString()).t), ['a', 'b', 'c']);
        assert.deepEqual(page.deliveries[0]!.headers, { 'content-type': 'application/json' });
        assert.equal(new Set(page.deliveries.map((d) => d.id)).size, 3);
        assert.deepEqual((await log.read(page.next, 10)).deliveries, [], 'nothing after the last checkpoint');
        assert.equal((await log.read(START, 10)).deliveries[0]!.headers['content-type'], undefined, 'headers only when asked');
        await log.close();
      } finally {
        await f.dispose();
      }
    });

    test('paging by checkpoint visits every delivery exactly once while concurrent writers append', async () => {
      const f = await open();
      try {
        const log = await f.openLog();
        const seen: string[] = [];
        let from = START;
        // Four writers of their own commit concurrently, so ids can become visible out of order.
        const stores = await Promise.all(Array.from({ length: 4 }, () => f.openWriter()));
        const writers = Promise.all(stores.map((store, w) => (async () => {
          for (let i = 0; i < 50; i++) await store.append(delivery(`w${w}-${i}`));
        })()));
        let done = false;
        void writers.then(() => (done = true));
        for (;;) {
          const page = await log.read(from, 7);
          seen.push(...page.deliveries.map((d) => JSON.parse(d.body.toString()).t as string));
          from = page.next;
          if (page.deliveries.length === 0) {
            if (done) break;
            await new Promise((r) => setImmediate(r));
          }
        }
        await writers;
        await readable(log, 200);
        seen.push(...(await log.read(from, 1000)).deliveries.map((d) => JSON.parse(d.body.toString()).t as string));
        assert.equal(seen.length, 200);
        assert.equal(new Set(seen).size, 200);
        for (let w = 0; w < 4; w++) {
          const mine = seen.filter((t) => t.startsWith(`w${w}-`));
          assert.deepEqual(mine, Array.from({ length: 50 }, (_, i) => `w${w}-${i}`), 'one writer\'s appends keep their order');
        }
        await log.close();
      } finally {
        await f.dispose();
      }
    });

    test('an exact re-delivery is stored once and answered as a duplicate, also after a restart', async () => {
      const f = await open();
      try {
        const a = await f.store.append(delivery('same'));
        const b = await f.store.append(delivery('same'));
        const other = await f.store.append(delivery('same', 'acme'));
        assert.deepEqual([a.duplicate, b.duplicate, other.duplicate], [false, true, false]);
        assert.equal(b.id, a.id);
        const again = await (await f.reopenStore()).append(delivery('same'));
        assert.deepEqual(again, { id: a.id, duplicate: true });
        const log = await f.openLog();
        await readable(log, 2);
        assert.equal((await log.read(START, 10)).deliveries.length, 2);
        const c = await log.edgeCounters();
        assert.equal(c.stored, 2);
        assert.equal(c.duplicates, 2);
        await log.close();
      } finally {
        await f.dispose();
      }
    });

    test('filters, upTo and the backlog behind a checkpoint', async () => {
      const f = await open();
      try {
        await f.store.append(delivery('old', 'default', 1_000));
        await f.store.append(delivery('acme', 'acme', 2_000));
        await f.store.append(delivery('new', 'default', 3_000));
        const log = await f.openLog();
        await readable(log, 3);
        const all = await log.read(START, 10);
        assert.deepEqual((await log.read(START, 10, { tenant: 'acme' })).deliveries.map((d) => d.tenant), ['acme']);
        assert.deepEqual((await log.read(START, 10, { since: 2_000 })).deliveries.map((d) => d.receivedAt), [2_000, 3_000]);
        assert.deepEqual((await log.read(START, 10, { until: 2_000 })).deliveries.map((d) => d.receivedAt), [1_000]);
        const first = await log.read(START, 1);
        assert.deepEqual((await log.read(START, 10, { upTo: first.next })).deliveries.map((d) => d.id), [all.deliveries[0]!.id]);
        assert.deepEqual(await log.backlog(first.next), { count: 2, oldestReceivedAt: 2_000 });
        assert.equal(await log.backlog(all.next), null);
        assert.deepEqual((await log.latest(2)).map((d) => d.receivedAt), [3_000, 2_000]);
        await log.close();
      } finally {
        await f.dispose();
      }
    });

    test('refusals are counted by code with the next commit, and ping writes', async () => {
      const f = await open();
      try {
        f.store.recordRejection('WAHOOK_ERR_SIGNATURE_INVALID');
        f.store.recordRejection('WAHOOK_ERR_SIGNATURE_INVALID');
        await f.store.append(delivery('x'));
        await f.store.ping();
        const log = await f.openLog();
        const c = await log.edgeCounters();
        assert.equal(c.rejected.WAHOOK_ERR_SIGNATURE_INVALID, 2);
        assert.equal(c.received, 3);
        await log.close();
      } finally {
        await f.dispose();
      }
    });
  });
}
