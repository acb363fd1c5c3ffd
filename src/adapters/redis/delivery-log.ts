import type { Redis } from 'ioredis';
import { START, type Checkpoint, type DeliveryLog, type EdgeCounters, type LogFilter, type LogPage, type StoredDelivery } from '../../ports/delivery-log.js';
import type { ErrorCode } from '../../core/errors.js';
import type { RedisKeys } from './connection.js';
import { compareIds, toDelivery, type RawEntry } from './entries.js';
import { Renewal } from './renewal.js';
import { DEAD_LETTER_SCRIPT, RENEW_SCRIPT, TRIM_SCRIPT } from './scripts.js';

export interface RedisLogOptions {
  readonly group: string;
  /** This reader's name in the group; unique per process and log. */
  readonly consumer: string;
  /** How long an entry may stay unacknowledged with its consumer before another takes it over (XAUTOCLAIM). */
  readonly claimIdleMs: number;
  /** At most one trim per this many milliseconds of acks. */
  readonly trimEveryMs: number;
  /** Deliveries of one entry before it goes to the dead-letter stream instead; 0: never. */
  readonly maxDeliveries: number;
}

type ScriptedRedis = Redis & {
  wahookTrim(keyCount: number, key: string): Promise<number>;
  wahookRenew(keyCount: number, key: string, group: string, consumer: string): Promise<number>;
  wahookDeadLetter(keyCount: number, ...args: string[]): Promise<string[]>;
};

const isFiltered = (f: LogFilter): boolean => f.since !== undefined || f.until !== undefined || f.tenant !== undefined || f.upTo !== undefined;
const after = (id: Checkpoint): string => (id === START ? '-' : `(${id}`);

/**
 * Redis Streams as the delivery log's read side. The worker reads through
 * a consumer group, so any number of workers share the stream and each
 * entry goes to one of them: a read is a lease (the entry joins this
 * consumer's pending list), `ack` is XACK after the events committed, and
 * an entry left pending longer than `claimIdleMs` by a consumer that died
 * is taken over with XAUTOCLAIM. The checkpoint is a stream id and pages
 * this consumer's own pending list: `read(START)` first hands back what it
 * holds unacknowledged (a page whose ingest failed), then claimed and new
 * entries. The stream is trimmed only below what every group has
 * acknowledged. Filtered reads, `latest` and `backlog` browse the stream
 * itself (XRANGE), which keeps what is not yet trimmed.
 *
 * While it holds entries, a consumer renews them well within
 * `claimIdleMs`, so only a consumer that stopped loses them. An entry
 * counts a delivery when it is first read, each time it is taken over,
 * and when its holder retries it after a failed ingest, at most once per
 * `claimIdleMs` (retries in between are answered from memory): a worker
 * retrying through a short outage, or restarting a few times, adds little.
 * One delivered more than `maxDeliveries` times goes to the dead-letter
 * stream instead of to the worker.
 */
export class RedisDeliveryLog implements DeliveryLog {
  /** What this consumer was given and has not acknowledged, by id. */
  private readonly held = new Map<string, StoredDelivery>();
  /** When a retry of what is held counts as a delivery again. */
  private recountAt = 0;
  private readonly renewal: Renewal;
  private groupReady = false;
  private nextClaimAt = 0;
  private claimCursor = '0-0';
  private lastTrim = 0;
  /**
   * Set when a read failed after the server may have handed entries to this
   * consumer (a takeover or new entries): they are in its pending list, with
   * the answer lost on the way or never returned to the worker, so
   * the next read pages through the pending list instead of waiting for a
   * takeover.
   */
  private unsure = false;

  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys,
    private readonly o: RedisLogOptions,
  ) {
    client.defineCommand('wahookTrim', { lua: TRIM_SCRIPT });
    client.defineCommand('wahookRenew', { lua: RENEW_SCRIPT });
    client.defineCommand('wahookDeadLetter', { lua: DEAD_LETTER_SCRIPT });
    // A third of the takeover time: two renewals can fail before another consumer may take the entries.
    this.renewal = new Renewal(() => (client as ScriptedRedis).wahookRenew(1, keys.log, o.group, o.consumer), Math.max(10, o.claimIdleMs / 3));
  }

  async read(from: Checkpoint, limit: number, filter: LogFilter = {}): Promise<LogPage> {
    if (isFiltered(filter)) return this.browse(from, limit, filter);
    await this.ensureGroup();
    const withHeaders = filter.withHeaders === true;
    const remembered = this.heldAfter(from);
    const wasHolding = this.held.size > 0;
    const retried = this.unsure || (remembered.length > 0 && (withHeaders || Date.now() >= this.recountAt));
    // Entries whose delivery count the server moved (a counted retry or a takeover); they may be due for the dead-letter stream.
    const again: RawEntry[] = [];
    let fromMemory: StoredDelivery[] = [];
    if (retried) {
      again.push(...(await this.readGroup(limit, from === START ? '0' : from)));
      this.unsure = false;
      this.recountAt = Date.now() + this.o.claimIdleMs;
    } else {
      // Headers only when asked, as from the server.
      fromMemory = remembered.slice(0, limit).map((d) => ({ ...d, headers: {} }));
    }
    let dead: Set<string>;
    let fresh: RawEntry[] = [];
    try {
      if (fromMemory.length + again.length < limit && Date.now() >= this.nextClaimAt) again.push(...(await this.claim(limit - fromMemory.length - again.length)));
      dead = await this.deadLetter(again);
      const taken = fromMemory.length + again.length - dead.size;
      if (taken < limit) fresh = await this.readGroup(limit - taken, '>');
    } catch (e) {
      this.unsure = true;
      throw e;
    }
    const gone: string[] = [];
    const byId = new Map<string, StoredDelivery>(fromMemory.map((d) => [d.id, d]));
    for (const e of [...again, ...fresh]) {
      const d = toDelivery(e, withHeaders);
      if (d === null) gone.push(e[0].toString());
      else if (!dead.has(d.id)) byId.set(d.id, d);
    }
    const deliveries = [...byId.values()];
    // Entries trimmed while pending hold nothing to ingest; acknowledging them empties the pending list.
    if (gone.length > 0) await this.client.xack(this.keys.log, this.o.group, ...gone);
    for (const id of [...gone, ...dead]) this.held.delete(id);
    deliveries.sort((a, b) => compareIds(a.id, b.id));
    for (const d of deliveries) this.held.set(d.id, d);
    if (!wasHolding) this.recountAt = Date.now() + this.o.claimIdleMs;
    this.renewal.holding(this.held.size > 0);
    return { deliveries, next: deliveries.length === 0 ? from : deliveries[deliveries.length - 1]!.id };
  }

  /** What this consumer holds past `from`, oldest first. */
  private heldAfter(from: Checkpoint): StoredDelivery[] {
    const after = [...this.held.values()].filter((d) => from === START || compareIds(d.id, from) > 0);
    return after.sort((a, b) => compareIds(a.id, b.id));
  }

  /** Moves those of `entries` delivered too often to the dead-letter stream; returns their ids. */
  private async deadLetter(entries: readonly RawEntry[]): Promise<Set<string>> {
    if (this.o.maxDeliveries === 0 || entries.length === 0) return new Set();
    const ids = entries.filter((e) => e[1] !== null).map((e) => e[0].toString());
    if (ids.length === 0) return new Set();
    const keys = [this.keys.log, this.keys.dead, this.keys.counters];
    return new Set(await (this.client as ScriptedRedis).wahookDeadLetter(keys.length, ...keys, this.o.group, String(this.o.maxDeliveries), ...ids));
  }

  async ack(page: LogPage): Promise<void> {
    const ids = page.deliveries.map((d) => d.id);
    if (ids.length === 0) return;
    await this.client.xack(this.keys.log, this.o.group, ...ids);
    for (const id of ids) this.held.delete(id);
    this.renewal.holding(this.held.size > 0);
    if (Date.now() - this.lastTrim >= this.o.trimEveryMs) await this.trim();
  }

  /** Removes what every group has acknowledged; returns how many entries went. */
  async trim(): Promise<number> {
    this.lastTrim = Date.now();
    return (this.client as ScriptedRedis).wahookTrim(1, this.keys.log);
  }

  async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      // From the start of the stream: a new group sees everything not yet trimmed, and trimming waits for it.
      await this.client.xgroup('CREATE', this.keys.log, this.o.group, '0', 'MKSTREAM');
    } catch (e) {
      if (!/BUSYGROUP/.test((e as Error).message)) throw e;
    }
    this.groupReady = true;
  }

  private async readGroup(count: number, id: string): Promise<RawEntry[]> {
    const reply = (await this.client.callBuffer('XREADGROUP', 'GROUP', this.o.group, this.o.consumer, 'COUNT', count, 'STREAMS', this.keys.log, id)) as [Buffer, RawEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  /** Entries another consumer left pending too long; the scan resumes where it stopped and rests once it has gone round. */
  private async claim(count: number): Promise<RawEntry[]> {
    // The third part of the answer, entries trimmed while pending, is already out of the pending list.
    const [next, entries] = (await this.client.callBuffer('XAUTOCLAIM', this.keys.log, this.o.group, this.o.consumer, this.o.claimIdleMs, this.claimCursor, 'COUNT', count)) as [Buffer, RawEntry[]];
    this.claimCursor = next.toString();
    if (this.claimCursor === '0-0') this.nextClaimAt = Date.now() + this.o.claimIdleMs / 2;
    return entries;
  }

  /** The stream itself, oldest first, with the filter applied here. */
  private async browse(from: Checkpoint, limit: number, f: LogFilter): Promise<LogPage> {
    const deliveries: StoredDelivery[] = [];
    let start = after(from);
    const end = f.upTo === undefined || f.upTo === START ? (f.upTo === START ? null : '+') : f.upTo;
    if (end === null) return { deliveries, next: from };
    for (;;) {
      const chunk = (await this.client.callBuffer('XRANGE', this.keys.log, start, end, 'COUNT', Math.max(limit, 100))) as RawEntry[];
      for (const e of chunk) {
        const d = toDelivery(e, f.withHeaders === true);
        if (d === null || (f.since !== undefined && d.receivedAt < f.since) || (f.until !== undefined && d.receivedAt >= f.until) || (f.tenant !== undefined && d.tenant !== f.tenant)) continue;
        deliveries.push(d);
        if (deliveries.length === limit) return { deliveries, next: d.id };
      }
      if (chunk.length < Math.max(limit, 100)) break;
      start = `(${chunk[chunk.length - 1]![0].toString()}`;
    }
    return { deliveries, next: deliveries.length === 0 ? from : deliveries[deliveries.length - 1]!.id };
  }

  async latest(limit: number): Promise<StoredDelivery[]> {
    const entries = (await this.client.callBuffer('XREVRANGE', this.keys.log, '+', '-', 'COUNT', limit)) as RawEntry[];
    return entries.flatMap((e) => toDelivery(e, true) ?? []);
  }

  /**
   * From START: what the group has not acknowledged (its pending entries
   * and those not yet given out), or the whole stream before any group
   * exists. From a checkpoint: the entries after it.
   */
  async backlog(from: Checkpoint): Promise<{ count: number; oldestReceivedAt: number } | null> {
    const group = from === START ? await this.groupState() : null;
    if (group !== null && group.lag !== null) {
      const count = group.pending + group.lag;
      if (count === 0) return null;
      const oldest = group.pending > 0 ? group.oldestPending! : `(${group.lastDelivered}`;
      const first = (await this.client.callBuffer('XRANGE', this.keys.log, oldest, '+', 'COUNT', 1)) as RawEntry[];
      const d = first[0] === undefined ? null : toDelivery(first[0], false);
      return d === null ? null : { count, oldestReceivedAt: d.receivedAt };
    }
    let count = 0;
    let oldest: number | null = null;
    let start = after(from);
    for (;;) {
      const chunk = (await this.client.callBuffer('XRANGE', this.keys.log, start, '+', 'COUNT', 1000)) as RawEntry[];
      if (oldest === null && chunk[0] !== undefined) oldest = toDelivery(chunk[0], false)?.receivedAt ?? null;
      count += chunk.length;
      if (chunk.length < 1000) break;
      start = `(${chunk[chunk.length - 1]![0].toString()}`;
    }
    return count === 0 || oldest === null ? null : { count, oldestReceivedAt: oldest };
  }

  private async groupState(): Promise<{ pending: number; lag: number | null; lastDelivered: string; oldestPending: string | null } | null> {
    let groups: unknown[][];
    try {
      groups = (await this.client.call('XINFO', 'GROUPS', this.keys.log)) as unknown[][];
    } catch (e) {
      if (/no such key/i.test((e as Error).message)) return null;
      throw e;
    }
    for (const g of groups) {
      const f = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) f.set(String(g[i]), g[i + 1]);
      if (f.get('name') !== this.o.group) continue;
      const pending = Number(f.get('pending'));
      const lag = f.get('lag');
      const summary = pending > 0 ? ((await this.client.call('XPENDING', this.keys.log, this.o.group)) as [number, string, string, unknown]) : null;
      return { pending, lag: lag === null || lag === undefined ? null : Number(lag), lastDelivered: String(f.get('last-delivered-id')), oldestPending: summary?.[1] ?? null };
    }
    return null;
  }

  async edgeCounters(): Promise<EdgeCounters> {
    const h = await this.client.hgetall(this.keys.counters);
    const rejected: Partial<Record<ErrorCode, number>> = {};
    for (const [k, v] of Object.entries(h)) if (k.startsWith('rejected:')) rejected[k.slice('rejected:'.length) as ErrorCode] = Number(v);
    return { received: Number(h.received ?? 0), stored: Number(h.stored ?? 0), duplicates: Number(h.duplicates ?? 0), rejected, deadLettered: Number(h['dead-lettered'] ?? 0) };
  }

  /** A consumer that holds nothing leaves the group, so dead names do not pile up. */
  async close(): Promise<void> {
    this.renewal.stop();
    if (this.groupReady && this.held.size === 0) await this.client.xgroup('DELCONSUMER', this.keys.log, this.o.group, this.o.consumer).catch(() => undefined);
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
