import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { ownRedis, sharedRedis } from '../../../test/helpers/services.js';
import { GatewayError } from '../../core/errors.js';
import { redisQueueAddress } from '../../core/redis-url.js';
import { START, type DeliveryLog, type NewDelivery } from '../../ports/delivery-log.js';
import { redisQueue } from './index.js';

const delivery = (text: string): NewDelivery => ({
  tenant: 'default', provider: 'cloud_api', receivedAt: Date.now(), body: Buffer.from(`{"object":"whatsapp_business_account","entry":[],"t":"${text}"}`), headers: {},
});
const texts = (page: { deliveries: readonly { body: Buffer }[] }): string[] => page.deliveries.map((d) => JSON.parse(d.body.toString()).t as string);
const uniqueKey = (): string => `redis-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

const shared = await sharedRedis();

test('a Redis without appendonly yes and appendfsync always is refused, naming the settings; relaxed starts with a warning', { skip: shared.ok ? false : shared.reason }, async () => {
  if (!shared.ok) return;
  const key = uniqueKey();
  const address = redisQueueAddress(`${shared.value}?key=${key}`)!;
  const probe = new Redis(shared.value);
  const [, appendonly, , appendfsync] = (await probe.call('CONFIG', 'GET', 'append*')) as string[];
  try {
    if (appendonly === 'yes' && appendfsync === 'always') return assert.fail('the shared Redis is expected to keep nothing on disk');
    await assert.rejects(redisQueue({ address, durability: 'strict' }).openDeliveryStore(), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, 'WAHOOK_ERR_QUEUE_NOT_DURABLE');
      assert.match(e.message, /appendonly \w+ and appendfsync \w+; wahook needs appendonly yes and appendfsync always/);
      return true;
    });
    assert.equal(await probe.exists(`${key}:deliveries`), 0, 'nothing written by a refused store');
    const warnings: string[] = [];
    const store = await redisQueue({ address, durability: 'relaxed' }).openDeliveryStore({ onWarning: (m) => warnings.push(m) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /may be lost when Redis restarts/);
    assert.equal((await store.append(delivery('relaxed'))).duplicate, false);
    await store.close();
  } finally {
    await probe.del(`${key}:deliveries`, `${key}:edge-counters`);
    const seen = await probe.keys(`${key}:seen:*`);
    if (seen.length > 0) await probe.del(...seen);
    probe.disconnect();
  }
});

test('a Redis whose CONFIG command is disabled is refused, saying so', async (t) => {
  const server = await ownRedis(['--appendonly', 'yes', '--appendfsync', 'always', '--rename-command', 'CONFIG', '']);
  if (!server.ok) return t.skip(server.reason);
  try {
    await assert.rejects(redisQueue({ address: redisQueueAddress(server.value.url)!, durability: 'strict' }).openDeliveryStore(), (e: unknown) => {
      assert.equal((e as GatewayError).code, 'WAHOOK_ERR_QUEUE_NOT_DURABLE');
      assert.match((e as Error).message, /CONFIG GET is disabled/);
      return true;
    });
  } finally {
    await server.value.stop();
  }
});

test('consumer group: workers share the stream, a dead consumer\'s entries are taken over, the stream is trimmed only below what every group acknowledged', async (t) => {
  const server = await ownRedis();
  if (!server.ok) return t.skip(server.reason);
  const key = uniqueKey();
  const url = `${server.value.url}?key=${key}`;
  const queue = redisQueue({ address: redisQueueAddress(url)!, durability: 'strict', claimIdleMs: 1000, trimEveryMs: 0 });
  const other = redisQueue({ address: redisQueueAddress(`${url}&group=audit`)!, durability: 'strict', claimIdleMs: 1000, trimEveryMs: 0 });
  const store = await queue.openDeliveryStore();
  const raw = new Redis(server.value.url);
  const logs: DeliveryLog[] = [];
  const open = async (q: typeof queue): Promise<DeliveryLog> => {
    const l = await q.openDeliveryLog();
    logs.push(l);
    return l;
  };
  try {
    for (let i = 0; i < 6; i++) await store.append(delivery(`d${i}`));
    const a = await open(queue);
    const b = await open(queue);
    const audit = await open(other);
    const pageA = await a.read(START, 3);
    const pageB = await b.read(START, 10);
    assert.deepEqual(texts(pageA), ['d0', 'd1', 'd2']);
    assert.deepEqual(texts(pageB), ['d3', 'd4', 'd5'], 'each entry goes to one worker of the group');
    await b.ack!(pageB);
    assert.deepEqual(texts(await b.read(START, 10)), [], 'acknowledged entries do not come back');
    assert.equal(await raw.xlen(`${key}:deliveries`), 6, 'the audit group has read nothing: nothing is trimmed');

    // Worker a dies holding d0-d2 (it stops, so nothing renews them); once they have been idle long enough, b takes them over.
    await a.close();
    await new Promise((r) => setTimeout(r, 1200));
    const taken = await b.read(START, 10);
    assert.deepEqual(texts(taken), ['d0', 'd1', 'd2']);
    await b.ack!(taken);
    assert.equal(await raw.xlen(`${key}:deliveries`), 6, 'still kept for the audit group');

    const auditPage = await audit.read(START, 4);
    assert.deepEqual(texts(auditPage), ['d0', 'd1', 'd2', 'd3']);
    await audit.ack!(auditPage);
    assert.equal(await raw.xlen(`${key}:deliveries`), 2, 'trimmed below what both groups acknowledged');
    assert.deepEqual(texts({ deliveries: await audit.latest(10) }), ['d5', 'd4']);
    assert.equal((await audit.backlog(START))?.count, 2);
    assert.equal(await b.backlog(START), null, 'the workers\' group has acknowledged everything');
  } finally {
    for (const l of logs) await l.close();
    await store.close();
    raw.disconnect();
    await server.value.stop();
  }
});

test('a worker reads again what it holds unacknowledged (a page whose ingest failed) before new entries', async (t) => {
  const server = await ownRedis();
  if (!server.ok) return t.skip(server.reason);
  const queue = redisQueue({ address: redisQueueAddress(`${server.value.url}?key=${uniqueKey()}`)!, durability: 'strict' });
  const store = await queue.openDeliveryStore();
  const log = await queue.openDeliveryLog();
  try {
    for (let i = 0; i < 3; i++) await store.append(delivery(`p${i}`));
    const first = await log.read(START, 2);
    assert.deepEqual(texts(first), ['p0', 'p1']);
    assert.deepEqual(texts(await log.read(START, 2)), ['p0', 'p1'], 'not acknowledged: read again');
    await log.ack!(first);
    assert.deepEqual(texts(await log.read(START, 2)), ['p2']);
  } finally {
    await log.close();
    await store.close();
    await server.value.stop();
  }
});

test('after a reconnect the settings are read again: a server that no longer syncs every write gets no more deliveries', async (t) => {
  const server = await ownRedis();
  if (!server.ok) return t.skip(server.reason);
  const store = await redisQueue({ address: redisQueueAddress(`${server.value.url}?key=${uniqueKey()}`)!, durability: 'strict' }).openDeliveryStore();
  const admin = new Redis(server.value.url);
  try {
    assert.equal((await store.append(delivery('synced'))).duplicate, false);
    await admin.call('CONFIG', 'SET', 'appendfsync', 'everysec');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    const notDurable = (e: unknown): boolean => e instanceof GatewayError && /appendfsync everysec/.test(String((e.cause as Error | undefined)?.message));
    let refused: unknown;
    // The first appends fail on the dropped connection; once reconnected, the settings are read again.
    for (let i = 0; i < 100 && !notDurable(refused); i++) {
      await store.append(delivery(`after-${i}`)).then(() => assert.fail('accepted after the settings changed'), (e: unknown) => (refused = e));
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(notDurable(refused), String(refused));
    assert.equal((refused as GatewayError).code, 'WAHOOK_ERR_STORE_UNAVAILABLE');
    await assert.rejects(store.ping(), /WAHOOK_ERR_STORE_UNAVAILABLE|could not commit/);
    await admin.call('CONFIG', 'SET', 'appendfsync', 'always');
    assert.equal((await store.append(delivery('synced again'))).duplicate, false, 'accepted again once the server syncs every write');
  } finally {
    await store.close();
    admin.disconnect();
    await server.value.stop();
  }
});
