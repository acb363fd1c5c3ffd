import { test } from 'node:test';
import { deliveryLogContract, deliveryLogFixture } from '../../../test/contracts/delivery-log.contract.js';
import { ownRedis } from '../../../test/helpers/services.js';
import { redisQueueAddress } from '../../core/redis-url.js';
import { redisQueue } from './index.js';

const server = await ownRedis();

if (!server.ok) {
  test('Redis Streams delivery log contract', { skip: server.reason }, () => {});
} else {
  let n = 0;
  // A takeover time short enough for the lease cases to wait one out.
  const claimIdleMs = 500;
  deliveryLogContract('redis streams', async () => {
    // A key prefix of each test's own on the file's server.
    const address = redisQueueAddress(`${server.value.url}?key=contract-${process.pid}-${n++}`)!;
    const queue = redisQueue({ address, durability: 'strict', claimIdleMs });
    return deliveryLogFixture(() => queue.openDeliveryStore(), () => queue.openDeliveryLog(), async () => undefined);
  }, { leases: { expire: () => new Promise((r) => setTimeout(r, claimIdleMs + 100)) } });
  test('stop the test redis-server', async () => server.value.stop());
}
