import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { START, type Checkpoint, type DeliveryLog, type DeliveryStore, type LogFilter, type LogPage, type NewDelivery, type StoredDelivery } from '../../src/ports/delivery-log.js';

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
 * Reads from `from`, following checkpoints, until `n` deliveries came back;
 * acknowledges nothing. Unlike `readable` it never reads a delivery twice,
 * so it also works where a read is a lease and hides what it returned.
 */
async function take(log: DeliveryLog, from: Checkpoint, n: number, filter?: LogFilter): Promise<LogPage> {
  const deliveries: StoredDelivery[] = [];
  let next = from;
  const end = Date.now() + 10_000;
  while (deliveries.length < n) {
    if (Date.now() > end) throw new Error(`${deliveries.length} of ${n} deliveries readable after 10 s`);
    const page = await log.read(next, n - deliveries.length, filter);
    deliveries.push(...page.deliveries);
    next = page.next;
    if (page.deliveries.length === 0) await new Promise((r) => setTimeout(r, 10));
  }
  return { deliveries, next };
}

const textOf = (d: StoredDelivery): string => JSON.parse(d.body.toString()).t as string;

/**
 * Promises a log may not make, each with the reason it does not; the cases
 * that rest on one are skipped with that reason, and every other case runs.
 */
export interface DeliveryLogOptions {
  readonly without?: {
    /** Reads in the order appends were answered, each delivery exactly once, and again from START. */
    readonly order?: string;
    /** Exact re-deliveries stored once and answered as duplicates. */
    readonly dedupe?: string;
    /** Filters, `upTo`, `latest` and the backlog behind a checkpoint. */
    readonly browse?: string;
    /** The edge counters (received, stored, duplicates, refusals by code). */
    readonly counters?: string;
  };
  /**
   * The log's reads are leases and it has `ack` (a queue). `expire` makes
   * every lease taken so far run out: it moves a test clock forward or
   * waits one out. Without it the lease cases are skipped.
   */
  readonly leases?: { readonly expire: () => Promise<void> };
}

/**
 * What every delivery log promises, whatever the engine: appends are
 * durable once answered and survive a restart; exact re-deliveries are
 * stored once; reading from a checkpoint returns every delivery after it
 * once, in order, and concurrent appends are never skipped. A queue (its
 * reads are leases, it has `ack`) also promises that what one reader holds
 * is not handed to another, that what is acknowledged never comes back, and
 * that what is never acknowledged does, once its lease runs out. `opts`
 * names the promises a log does not make and why; only the cases resting on
 * them are skipped.
 */
export function deliveryLogContract(engine: string, open: () => Promise<DeliveryLogFixture>, opts: DeliveryLogOptions = {}): void {
  const without = opts.without ?? {};
  const noOrder = without.order ?? false;
  const noDedupe = without.dedupe ?? false;
  const noBrowse = without.browse ?? false;
  const noCounters = without.counters ?? false;
  const leases = opts.leases;
  const noLeases = leases === undefined ? `${engine}'s reads are not leases: its log has no ack` : false;

  describe(`delivery log contract (${engine})`, () => {
    test('each append is read back once by following checkpoints, with its bytes, its fields, a distinct id, and headers only when asked', async () => {
      const f = await open();
      try {
        for (const [i, t] of ['a', 'b', 'c'].entries()) await f.store.append(delivery(t, 'default', 1_000 + i));
        const log = await f.openLog();
        const first = await take(log, START, 1);
        assert.deepEqual(first.deliveries[0]!.headers, {}, 'headers only when asked');
        const rest = await take(log, first.next, 2, { withHeaders: true });
        const all = [...first.deliveries, ...rest.deliveries];
        assert.deepEqual(all.map(textOf).sort(), ['a', 'b', 'c']);
        for (const d of rest.deliveries) assert.deepEqual(d.headers, { 'content-type': 'application/json' });
        for (const d of all) {
          assert.deepEqual([d.tenant, d.provider, d.receivedAt, d.bytes], ['default', 'cloud_api', 1_000 + ['a', 'b', 'c'].indexOf(textOf(d)), d.body.byteLength]);
          assert.ok(d.body.equals(delivery(textOf(d)).body), 'the exact bytes, so the signature verifies again');
        }
        assert.equal(new Set(all.map((d) => d.id)).size, 3);
        await log.ack?.(first);
        await log.ack?.(rest);
        assert.deepEqual((await log.read(rest.next, 10)).deliveries, [], 'nothing after the last checkpoint');
        await log.close();
      } finally {
        await f.dispose();
      }
    });

    test('an answered append is durable: it survives a restart of the store, and a reader opened afterwards gets it', async () => {
      const f = await open();
      try {
        await f.store.append(delivery('before'));
        const store = await f.reopenStore();
        await store.ping();
        await store.append(delivery('after'));
        const log = await f.openLog();
        const page = await take(log, START, 2);
        assert.deepEqual(page.deliveries.map(textOf).sort(), ['after', 'before']);
        await log.ack?.(page);
        await log.close();
      } finally {
        await f.dispose();
      }
    });

    test('every append of concurrent writers is read back, page by acknowledged page, while they append', async () => {
      const f = await open();
      try {
        const log = await f.openLog();
        const stores = await Promise.all(Array.from({ length: 4 }, () => f.openWriter()));
        const expected = stores.flatMap((_, w) => Array.from({ length: 50 }, (_, i) => `w${w}-${i}`));
        const writers = Promise.all(stores.map((store, w) => (async () => {
          for (let i = 0; i < 50; i++) await store.append(delivery(`w${w}-${i}`));
        })()));
        const seen = new Set<string>();
        let from = START;
        const end = Date.now() + 30_000;
        while (seen.size < expected.length && Date.now() < end) {
          const page = await log.read(from, 7);
          for (const d of page.deliveries) seen.add(textOf(d));
          // As the worker does: the next page only once this one is acknowledged.
          await log.ack?.(page);
          from = page.next;
          if (page.deliveries.length === 0) await new Promise((r) => setTimeout(r, 10));
        }
        await writers;
        assert.deepEqual([...seen].sort(), [...expected].sort(), 'none lost, none invented');
        await log.close();
      } finally {
        await f.dispose();
      }
    });

    test('appends read back in order from START, each once, with bodies and headers intact', { skip: noOrder }, async () => {
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

    test('paging by checkpoint visits every delivery exactly once while concurrent writers append', { skip: noOrder }, async () => {
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

    test('an exact re-delivery is stored once and answered as a duplicate, also after a restart', { skip: noDedupe }, async () => {
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

    test('filters, upTo and the backlog behind a checkpoint', { skip: noBrowse }, async () => {
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

    test('refusals are counted by code with the next commit, and ping writes', { skip: noCounters }, async () => {
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
    test('a read is a lease: another reader is not handed what one holds, and what is acknowledged never comes back', { skip: noLeases }, async () => {
      const f = await open();
      try {
        for (const t of ['a', 'b']) await f.store.append(delivery(t));
        const one = await f.openLog();
        const two = await f.openLog();
        const page = await take(one, START, 2);
        assert.deepEqual((await two.read(START, 10)).deliveries, [], 'held by the first reader');
        await one.ack!(page);
        await one.close();
        await leases!.expire();
        await f.store.append(delivery('c'));
        const next = await take(two, START, 1);
        assert.deepEqual(next.deliveries.map(textOf), ['c'], 'only what came after the acknowledged');
        await two.ack!(next);
        assert.deepEqual((await two.read(next.next, 10)).deliveries, []);
        await two.close();
      } finally {
        await f.dispose();
      }
    });

    test('what a reader took and never acknowledged comes back to another reader once its lease runs out, and then only until acknowledged', { skip: noLeases }, async () => {
      const f = await open();
      try {
        for (const t of ['a', 'b']) await f.store.append(delivery(t));
        const dead = await f.openLog();
        const taken = await take(dead, START, 2);
        // Stopped without acknowledging, as a worker that died before its ingest committed.
        await dead.close();
        const next = await f.openLog();
        assert.deepEqual((await next.read(START, 10)).deliveries, [], 'still leased to the reader that stopped');
        await leases!.expire();
        const back = await take(next, START, 2);
        assert.deepEqual(back.deliveries.map((d) => d.id).sort(), taken.deliveries.map((d) => d.id).sort(), 'the same deliveries, by id');
        assert.deepEqual(back.deliveries.map(textOf).sort(), ['a', 'b']);
        await next.ack!(back);
        await leases!.expire();
        assert.deepEqual((await next.read(back.next, 10)).deliveries, [], 'acknowledged: gone for good');
        await next.close();
      } finally {
        await f.dispose();
      }
    });

    test('the backlog from START counts what waits and what is held, until it is acknowledged', { skip: noLeases }, async () => {
      const f = await open();
      try {
        for (const t of ['a', 'b', 'c']) await f.store.append(delivery(t));
        const log = await f.openLog();
        const count = async (): Promise<number> => (await log.backlog(START))?.count ?? 0;
        assert.equal(await count(), 3);
        const page = await take(log, START, 2);
        assert.equal(await count(), 3, 'read but not yet acknowledged: still owed');
        await log.ack!(page);
        assert.equal(await count(), 1);
        const last = await take(log, page.next, 1);
        await log.ack!(last);
        assert.equal(await count(), 0);
        await log.close();
      } finally {
        await f.dispose();
      }
    });
  });
}
