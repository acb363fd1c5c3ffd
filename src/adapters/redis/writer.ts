import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { NewDelivery } from '../../core/delivery.js';
import type { ErrorCode } from '../../core/errors.js';
import type { BatchOutcome, BatchWriter } from '../../ports/batch-writer.js';
import type { RedisKeys } from './connection.js';
import { checkDurability, type QueueDurability } from './durability.js';
import { APPEND_SCRIPT } from './scripts.js';

export interface StreamRow {
  /** The key that marks this exact delivery as seen. */
  readonly seen: string;
  /** The stream entry's values: tenant, provider, receive time, headers, body. */
  readonly values: readonly [string, string, string, string, Buffer];
}

/**
 * Meta retries a delivery for up to 7 days; a digest is remembered for 8,
 * so every retry of a stored delivery is recognised as the same one.
 */
export const SEEN_SECONDS = 8 * 24 * 3600;

const EMPTY: BatchOutcome = { result: () => { throw new Error('empty batch'); } };

/** 128 bits of the SHA-256 of tenant, provider and bytes: what makes two deliveries the same. */
function digest(d: NewDelivery): string {
  return createHash('sha256').update(`${d.tenant}\u0000${d.provider}\u0000`).update(d.body).digest('base64url').slice(0, 22);
}

type AppendingRedis = Redis & { wahookAppend(keyCount: number, ...args: (string | Buffer | number)[]): Promise<(string | number)[]> };

/**
 * Redis Streams as the delivery log's write side. A batch is one Lua
 * script, so it is atomic and costs one append-only-file sync: for each
 * delivery, the digest key decides whether it is new (XADD, then SET the
 * digest with an expiry) or an exact re-delivery (the id stored first).
 * The counters move in the same script. The server's persistence is
 * checked at start and again after every reconnect, since a restarted
 * server may come back with other settings.
 */
export class RedisBatchWriter implements BatchWriter<StreamRow> {
  readonly sameThread = false;
  private verified = true;
  private warned = false;

  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys,
    private readonly durability: QueueDurability,
    private readonly warn: (message: string) => void,
  ) {
    client.defineCommand('wahookAppend', { lua: APPEND_SCRIPT });
    client.on('close', () => (this.verified = false));
  }

  /** Refuses (strict) or warns (relaxed) about a server that may lose acknowledged writes. */
  async verify(): Promise<void> {
    await checkDurability(this.client, this.durability, (m) => {
      if (!this.warned) this.warn(m);
      this.warned = true;
    });
    this.verified = true;
  }

  encode(d: NewDelivery): StreamRow {
    const body = Buffer.isBuffer(d.body) ? d.body : Buffer.from(d.body.buffer, d.body.byteOffset, d.body.byteLength);
    return { seen: this.keys.seen(digest(d)), values: [d.tenant, d.provider, String(d.receivedAt), JSON.stringify(d.headers), body] };
  }

  rowBytes(row: StreamRow): number {
    return row.values[4].length + row.values[3].length + 64;
  }

  commitNow(): BatchOutcome {
    throw new Error('Redis commits across the network; use commit');
  }

  async commit(rows: readonly StreamRow[], rejections: readonly [ErrorCode, number][]): Promise<BatchOutcome> {
    if (!this.verified) await this.verify();
    const keys = [this.keys.log, this.keys.counters, ...rows.map((r) => r.seen)];
    const args: (string | Buffer | number)[] = [SEEN_SECONDS, rejections.length];
    for (const [code, n] of rejections) args.push(code, n);
    for (const r of rows) args.push(...r.values);
    const reply = await (this.client as AppendingRedis).wahookAppend(keys.length, ...keys, ...args);
    if (rows.length === 0) return EMPTY;
    return { result: (i) => ({ id: String(reply[2 * i]), duplicate: reply[2 * i + 1] === 1 }) };
  }

  afterCommit(): void {}

  poll(): void {}

  /** A real write: with appendfsync always, its answer means the file was synced. */
  async probe(): Promise<void> {
    if (!this.verified) await this.verify();
    await this.client.set(this.keys.ping, String(Date.now()));
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
