import type { Redis } from 'ioredis';
import { GatewayError } from '../../core/errors.js';

export type QueueDurability = 'strict' | 'relaxed';

/**
 * Redis 7.0 has no WAITAOF: a reply cannot say the write reached the disk.
 * With `appendonly yes` and `appendfsync always` the server fsyncs its
 * append-only file before it answers, so a reply means durable. Anything
 * else (or settings we cannot read) may lose an acknowledged delivery.
 *
 * @returns null when durable, otherwise why not
 */
export async function persistenceProblem(client: Redis): Promise<string | null> {
  let reply: string[];
  try {
    reply = (await client.call('CONFIG', 'GET', 'append*')) as string[];
  } catch (e) {
    const message = (e as Error).message;
    if (/unknown command|NOPERM|renamed/i.test(message)) {
      return `its persistence settings cannot be read (CONFIG GET is disabled for this connection: ${message}); wahook needs appendonly yes and appendfsync always`;
    }
    throw e;
  }
  const settings = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) settings.set(reply[i]!, reply[i + 1]!);
  const appendonly = settings.get('appendonly') ?? '(unset)';
  const appendfsync = settings.get('appendfsync') ?? '(unset)';
  if (appendonly === 'yes' && appendfsync === 'always') return null;
  return `it runs with appendonly ${appendonly} and appendfsync ${appendfsync}; wahook needs appendonly yes and appendfsync always`;
}

/**
 * Strict: refuses a server that may lose what it acknowledged. Relaxed:
 * warns once and goes on.
 */
export async function checkDurability(client: Redis, mode: QueueDurability, warn: (message: string) => void): Promise<void> {
  const problem = await persistenceProblem(client);
  if (problem === null) return;
  if (mode === 'strict') {
    throw new GatewayError('WAHOOK_ERR_QUEUE_NOT_DURABLE', `Redis would not keep an acknowledged delivery through a restart: ${problem} (or pass --queue-durability relaxed to accept the risk)`);
  }
  warn(`Redis queue durability is relaxed: ${problem}. A delivery answered 200 may be lost when Redis restarts.`);
}
