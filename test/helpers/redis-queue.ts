import { redisQueue, type RedisQueue } from '../../src/adapters/redis/index.js';
import { redisQueueAddress } from '../../src/core/redis-url.js';

/**
 * A Redis Streams queue whose takeover time is short enough for a test: the
 * 30 s a deployment waits before another worker takes over a dead one's
 * entries is not a config key, so a test that needs a takeover builds the
 * queue here rather than through the composition root.
 */
export function quickTakeoverQueue(queueUrl: string, o: { readonly claimIdleMs: number; readonly maxDeliveries: number }): RedisQueue {
  return redisQueue({ address: redisQueueAddress(queueUrl)!, durability: 'strict', claimIdleMs: o.claimIdleMs, maxDeliveries: o.maxDeliveries });
}
