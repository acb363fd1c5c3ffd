import { Redis, type RedisOptions } from 'ioredis';
import type { RedisQueueAddress } from '../../core/redis-url.js';

/** The names of everything wahook keeps under one key prefix. */
export interface RedisKeys {
  /** The stream: the delivery log. */
  readonly log: string;
  /** Entries delivered too often, moved aside with why; docs/architecture.md says how to replay them. */
  readonly dead: string;
  /** The edge's counters (stored, duplicates, received, rejections by code). */
  readonly counters: string;
  /** Written by readiness probes. */
  readonly ping: string;
  /** One key per delivery digest, for as long as a provider retries. */
  seen(digest: string): string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    log: `${prefix}:deliveries`,
    dead: `${prefix}:dead`,
    counters: `${prefix}:edge-counters`,
    ping: `${prefix}:ping`,
    seen: (digest) => `${prefix}:seen:${digest}`,
  };
}

/**
 * A client that fails fast while the server is away, so the edge answers
 * 503 at once instead of holding requests: nothing queues offline, and a
 * command whose connection dropped is not sent again on its own (the
 * caller retries, and the digest keys make a repeated append a duplicate).
 * It keeps reconnecting in the background, so the edge recovers by itself.
 */
export async function connectRedis(a: RedisQueueAddress, commandTimeoutMs = 5000): Promise<Redis> {
  const options: RedisOptions = {
    host: a.host,
    port: a.port,
    db: a.db,
    ...(a.username !== undefined ? { username: a.username } : {}),
    ...(a.password !== undefined ? { password: a.password } : {}),
    ...(a.tls ? { tls: { servername: a.host } } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
  };
  const client = new Redis(options);
  // Errors surface on the commands that fail; a client without a listener would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (e) {
    client.disconnect();
    throw e;
  }
}
