import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { ownRedis } from '../../../test/helpers/services.js';
import { redisQueueAddress } from '../../core/redis-url.js';
import { START, type DeliveryLog, type NewDelivery } from '../../ports/delivery-log.js';
import { redisQueue, type RedisQueueOptions } from './index.js';

const delivery = (text: string): NewDelivery => ({
  tenant: 'default', provider: 'cloud_api', receivedAt: Date.now(), body: Buffer.from(`{"object":"whatsapp_business_account","entry":[],"t":"${text}"}`), headers: {},
});
const texts = (page: { deliveries: readonly { body: Buffer }[] }): string[] => page.deliveries.map((d) => JSON.parse(d.body.toString()).t as string);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const server = await ownRedis();

/** A queue under a key of its own on the file's server, its store, a raw client, and logs closed at the end. */
async function setup(o: Partial<RedisQueueOptions>) {
  if (!server.ok) throw new Error(server.reason);
  const key = `leases-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const queue = redisQueue({ address: redisQueueAddress(`${server.value.url}?key=${key}`)!, durability: 'strict', trimEveryMs: 0, ...o });
  const store = await queue.openDeliveryStore();
  const raw = new Redis(server.value.url);
  const logs: DeliveryLog[] = [];
  return {
    key, store, raw,
    open: async (): Promise<DeliveryLog> => {
      const l = await queue.openDeliveryLog();
      logs.push(l);
      return l;
    },
    /** Delivery counts of the group's pending entries, by id. */
    counts: async (): Promise<Map<string, number>> => {
      const rows = (await raw.call('XPENDING', `${key}:deliveries`, 'workers', '-', '+', 100)) as [string, string, number, number][];
      return new Map(rows.map((r) => [r[0], Number(r[3])]));
    },
    close: async () => {
      for (const l of logs) await l.close();
      await store.close();
      raw.disconnect();
    },
  };
}

if (!server.ok) {
  test('Redis Streams leases and dead letters', { skip: server.reason }, () => {});
} else {
  test('a slow worker keeps what it holds past the takeover time; a stopped one loses it to another', async () => {
    const q = await setup({ claimIdleMs: 400 });
    try {
      for (const t of ['slow0', 'slow1', 'dead0']) await q.store.append(delivery(t));
      const slow = await q.open();
      const other = await q.open();
      const held = await slow.read(START, 2);
      assert.deepEqual(texts(held), ['slow0', 'slow1']);
      // Three times the takeover time without an ack: the other worker asks again and again.
      const seenByOther: string[] = [];
      for (const end = Date.now() + 1200; Date.now() < end; await sleep(50)) {
        const page = await other.read(START, 10);
        seenByOther.push(...texts(page));
        await other.ack!(page);
      }
      assert.deepEqual(seenByOther, ['dead0'], 'only the entry nobody held');
      assert.deepEqual([...(await q.counts()).values()], [1, 1], 'renewing is not delivering');
      await slow.ack!(held);
      assert.equal((await q.counts()).size, 0);

      await q.store.append(delivery('dead1'));
      const dying = await q.open();
      assert.deepEqual(texts(await dying.read(START, 10)), ['dead1']);
      await dying.close();
      assert.deepEqual(texts(await other.read(START, 10)), [], 'not idle long enough yet');
      await sleep(600);
      const taken = await other.read(START, 10);
      assert.deepEqual(texts(taken), ['dead1'], 'a stopped worker renews nothing: its entries are taken over');
      await other.ack!(taken);
    } finally {
      await q.close();
    }
  });

  test('an entry that crashes every worker goes to the dead-letter stream with its deliveries, counted once, and can be replayed', async () => {
    const q = await setup({ claimIdleMs: 300, maxDeliveries: 2 });
    try {
      const { id } = await q.store.append(delivery('poison'));
      // First delivery, then workers restarting quickly: within the takeover time nobody takes it, so they count nothing.
      const first = await q.open();
      assert.deepEqual(texts(await first.read(START, 10)), ['poison']);
      await first.close();
      for (let i = 0; i < 3; i++) {
        const restarted = await q.open();
        assert.deepEqual(texts(await restarted.read(START, 10)), []);
        await restarted.close();
      }
      assert.deepEqual([...(await q.counts()).values()], [1]);
      // A second worker takes it over (the second delivery) and crashes too.
      await sleep(400);
      const second = await q.open();
      assert.deepEqual(texts(await second.read(START, 10)), ['poison']);
      await second.close();
      assert.deepEqual([...(await q.counts()).values()], [2]);
      await sleep(400);
      const third = await q.open();
      assert.deepEqual(texts(await third.read(START, 10)), [], 'a third delivery is not made');
      assert.equal((await q.counts()).size, 0, 'acknowledged: nobody gets it again');
      const dead = (await q.raw.callBuffer('XRANGE', `${q.key}:dead`, '-', '+')) as [Buffer, Buffer[]][];
      assert.equal(dead.length, 1);
      const fields = new Map<string, Buffer>();
      for (let i = 0; i < dead[0]![1].length; i += 2) fields.set(dead[0]![1][i]!.toString(), dead[0]![1][i + 1]!);
      assert.equal(fields.get('id')?.toString(), id);
      assert.equal(fields.get('deliveries')?.toString(), '3');
      assert.match(fields.get('reason')!.toString(), /delivered 3 times without being acknowledged/);
      assert.equal(JSON.parse(fields.get('b')!.toString()).t, 'poison');
      assert.equal((await third.edgeCounters()).deadLettered, 1);

      // Replay as the docs say: the delivery's own fields, appended to the stream again.
      const own = ['t', 'p', 'r', 'h', 'b'].flatMap((f) => [f, fields.get(f)!]);
      await q.raw.xadd(`${q.key}:deliveries`, '*', ...own);
      const replayed = await third.read(START, 10);
      assert.deepEqual(texts(replayed), ['poison']);
      await third.ack!(replayed);
    } finally {
      await q.close();
    }
  });

  test('a worker whose commit keeps failing retries from memory, counting a delivery only once per takeover time', async () => {
    const q = await setup({ claimIdleMs: 400, maxDeliveries: 2 });
    try {
      await q.store.append(delivery('fails'));
      await q.store.append(delivery('fine'));
      const log = await q.open();
      const page = await log.read(START, 1);
      assert.deepEqual(texts(page), ['fails']);
      for (let i = 0; i < 20; i++) assert.deepEqual(texts(await log.read(START, 1)), ['fails'], 'quick retries get the page again');
      assert.deepEqual([...(await q.counts()).values()], [1], 'and count no delivery');
      await sleep(450);
      assert.deepEqual(texts(await log.read(START, 1)), ['fails']);
      assert.deepEqual([...(await q.counts()).values()], [2]);
      await sleep(450);
      const next = await log.read(START, 1);
      assert.deepEqual(texts(next), ['fine'], 'the failing entry went to the dead-letter stream; the next one comes');
      await log.ack!(next);
      assert.equal(await q.raw.xlen(`${q.key}:dead`), 1);
      assert.equal((await q.counts()).size, 0);
    } finally {
      await q.close();
    }
  });

  test('with maxDeliveries 0 nothing is ever dead-lettered', async () => {
    const q = await setup({ claimIdleMs: 200, maxDeliveries: 0 });
    try {
      await q.store.append(delivery('kept'));
      for (let i = 0; i < 4; i++) {
        const l = await q.open();
        assert.deepEqual(texts(await l.read(START, 10)), ['kept']);
        await l.close();
        await sleep(250);
      }
      assert.deepEqual([...(await q.counts()).values()], [4]);
      assert.equal(await q.raw.exists(`${q.key}:dead`), 0);
    } finally {
      await q.close();
    }
  });

  test('stop the test redis-server', async () => server.value.stop());
}
