import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisQueueAddress } from '../../core/redis-url.js';
import { GroupCommit } from '../../edge/group-commit.js';
import type { DeliveryLog, DeliveryStore } from '../../ports/delivery-log.js';
import type { DeliveryStoreHooks } from '../../ports/engine.js';
import { connectRedis, redisKeys } from './connection.js';
import { RedisDeliveryLog } from './delivery-log.js';
import type { QueueDurability } from './durability.js';
import { RedisBatchWriter } from './writer.js';

export interface RedisQueueOptions {
  readonly address: RedisQueueAddress;
  readonly durability: QueueDurability;
  /** Idle time after which a dead consumer's entries are taken over; longer than the slowest ingest of one page. */
  readonly claimIdleMs?: number;
  readonly trimEveryMs?: number;
  /** Deliveries of one entry before it is moved to the dead-letter stream; 0: never. */
  readonly maxDeliveries?: number;
}

export interface RedisQueue {
  openDeliveryStore(hooks?: DeliveryStoreHooks): Promise<DeliveryStore>;
  openDeliveryLog(): Promise<DeliveryLog>;
}

/**
 * Redis Streams as the delivery log in front of an engine that keeps
 * events, jobs and telemetry. Each store and log has a connection of its
 * own: the edge's commits never wait behind a worker's reads.
 */
export function redisQueue(o: RedisQueueOptions): RedisQueue {
  const keys = redisKeys(o.address.key);
  return {
    openDeliveryStore: async (hooks = {}) => {
      const client = await connectRedis(o.address);
      const writer = new RedisBatchWriter(client, keys, o.durability, hooks.onWarning ?? ((m) => process.emitWarning(m)));
      try {
        await writer.verify();
      } catch (e) {
        await writer.close();
        throw e;
      }
      return new GroupCommit(writer, hooks.onCommit);
    },
    openDeliveryLog: async () => {
      const client = await connectRedis(o.address);
      const consumer = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
      const log = new RedisDeliveryLog(client, keys, { group: o.address.group, consumer, claimIdleMs: o.claimIdleMs ?? 30_000, trimEveryMs: o.trimEveryMs ?? 1000, maxDeliveries: o.maxDeliveries ?? 10 });
      // The group exists from the moment one of its readers opens, so trimming waits for it from then on.
      await log.ensureGroup().catch(async (e: unknown) => {
        await log.close();
        throw e;
      });
      return log;
    },
  };
}
