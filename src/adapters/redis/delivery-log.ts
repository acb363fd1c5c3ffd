import type { Redis } from 'ioredis';
import { START, type Checkpoint, type DeliveryLog, type EdgeCounters, type LogFilter, type LogPage, type StoredDelivery } from '../../ports/delivery-log.js';
import type { ErrorCode } from '../../core/errors.js';
import type { RedisKeys } from './connection.js';
import { compareIds, toDelivery, type RawEntry } from './entries.js';
import { TRIM_SCRIPT } from './scripts.js';

export interface RedisLogOptions {
  readonly group: string;
  /** This reader's name in the group; unique per process and log. */
  readonly consumer: string;
  /** How long an entry may stay unacknowledged with its consumer before another takes it over (XAUTOCLAIM). */
  readonly claimIdleMs: number;
  /** At most one trim per this many milliseconds of acks. */
  readonly trimEveryMs: number;
}

type TrimmingRedis = Redis & { wahookTrim(keyCount: number, key: string): Promise<number> };

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
 */
export class RedisDeliveryLog implements DeliveryLog {
  /** Ids this consumer was given and has not acknowledged. */
  private readonly held = new Set<string>();
  private groupReady = false;
  private nextClaimAt = 0;
  private claimCursor = '0-0';
  private lastTrim = 0;
  /**
   * Set when a read of new entries failed: the server may have handed them
   * to this consumer (its pending list) with the answer lost on the way, so
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
  }

  async read(from: Checkpoint, limit: number, filter: LogFilter = {}): Promise<LogPage> {
    if (isFiltered(filter)) return this.browse(from, limit, filter);
    await this.ensureGroup();
    const withHeaders = filter.withHeaders === true;
    const entries: RawEntry[] = [];
    if (this.unsure || [...this.held].some((id) => from === START || compareIds(id, from) > 0)) {
      entries.push(...(await this.readGroup(limit, from === START ? '0' : from)));
      this.unsure = false;
    }
    if (entries.length < limit && Date.now() >= this.nextClaimAt) entries.push(...(await this.claim(limit - entries.length)));
    if (entries.length < limit) {
      entries.push(...(await this.readGroup(limit - entries.length, '>').catch((e: unknown) => {
        this.unsure = true;
        throw e;
      })));
    }
    const gone: string[] = [];
    const byId = new Map<string, StoredDelivery>();
    for (const e of entries) {
      const d = toDelivery(e, withHeaders);
      if (d === null) gone.push(e[0].toString());
      else byId.set(d.id, d);
    }
    const deliveries = [...byId.values()];
    // Entries trimmed while pending hold nothing to ingest; acknowledging them empties the pending list.
    if (gone.length > 0) await this.client.xack(this.keys.log, this.o.group, ...gone);
    for (const id of gone) this.held.delete(id);
    deliveries.sort((a, b) => compareIds(a.id, b.id));
    for (const d of deliveries) this.held.add(d.id);
    return { deliveries, next: deliveries.length === 0 ? from : deliveries[deliveries.length - 1]!.id };
  }

  async ack(page: LogPage): Promise<void> {
    const ids = page.deliveries.map((d) => d.id);
    if (ids.length === 0) return;
    await this.client.xack(this.keys.log, this.o.group, ...ids);
    for (const id of ids) this.held.delete(id);
    if (Date.now() - this.lastTrim >= this.o.trimEveryMs) await this.trim();
  }

  /** Removes what every group has acknowledged; returns how many entries went. */
  async trim(): Promise<number> {
    this.lastTrim = Date.now();
    return (this.client as TrimmingRedis).wahookTrim(1, this.keys.log);
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
    return { received: Number(h.received ?? 0), stored: Number(h.stored ?? 0), duplicates: Number(h.duplicates ?? 0), rejected };
  }

  /** A consumer that holds nothing leaves the group, so dead names do not pile up. */
  async close(): Promise<void> {
    if (this.groupReady && this.held.size === 0) await this.client.xgroup('DELCONSUMER', this.keys.log, this.o.group, this.o.consumer).catch(() => undefined);
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
