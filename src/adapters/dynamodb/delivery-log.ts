import type { ErrorCode } from '../../core/errors.js';
import type { Checkpoint, DeliveryLog, EdgeCounters, LogFilter, LogPage, StoredDelivery } from '../../ports/delivery-log.js';
import { N, num, S, str, type Ddb, type Item } from './ddb.js';
import { COUNTERS_KEY, LOG, logKey, storedOf } from './delivery-items.js';

export interface DynamoLogOptions {
  /** How long a missing sequence number is waited for before it is marked a gap and passed. */
  readonly gapGraceMs: number;
  /** Days a gap marker is kept, as raw deliveries are (0: for ever). */
  readonly retentionDays?: number;
}

const seqOf = (c: Checkpoint): number => (c === '' ? 0 : Number(c));
const PAGE = 100;
/** Gap markers written at once when a run of numbers is passed. */
const GAP_BATCH = 100;

/**
 * The delivery log on DynamoDB: log items in sequence order, read with
 * strongly consistent queries. Writers take numbers before they write, so a
 * number can be missing for a moment while a later one is already there;
 * a reader stops before a missing number rather than skip it, and only once
 * it has been missing for the grace period marks it a gap (a conditional
 * put, which loses to a writer that got there first; a writer that loses
 * takes a new number). So a checkpoint never passes a delivery that can
 * still be written below it. Every number below the first one present was
 * missing when that one was first seen, so a whole run (deliveries the
 * table's TTL deleted, a replay from the start) passes after one grace
 * period, not one per number.
 */
export class DynamoDeliveryLog implements DeliveryLog {
  private readonly missingSince = new Map<number, number>();

  constructor(private readonly ddb: Ddb, private readonly table: string, private readonly opts: DynamoLogOptions) {}

  async read(from: Checkpoint, limit: number, filter: LogFilter = {}): Promise<LogPage> {
    const deliveries: StoredDelivery[] = [];
    const upTo = filter.upTo === undefined ? Number.POSITIVE_INFINITY : seqOf(filter.upTo);
    let at = seqOf(from);
    scan: while (deliveries.length < limit && at < upTo) {
      const items = await this.after(at, PAGE);
      if (items.length === 0) break;
      for (const item of items) {
        const seq = num(item, 'sk')!;
        if (seq !== at + 1) {
          const passed = await this.passGaps(at + 1, Math.min(seq, upTo + 1));
          if (passed === null) break scan;
          // Passed, or found written meanwhile (then read on the next round).
          at += passed;
          continue scan;
        }
        if (seq > upTo) break scan;
        at = seq;
        if (str(item, 'k') === 'd' && matches(item, filter)) deliveries.push(storedOf(item, filter.withHeaders === true));
        if (deliveries.length >= limit) break scan;
      }
    }
    return { deliveries, next: String(at) };
  }

  private async after(seq: number, limit: number): Promise<Item[]> {
    return this.ddb.query({
      TableName: this.table, ConsistentRead: true, KeyConditionExpression: 'pk = :l AND sk > :s', ExpressionAttributeValues: { ':l': LOG, ':s': N(seq) }, Limit: limit,
    }, limit);
  }

  /**
   * How many of the missing numbers from `from` up to (not including) `present` may be passed: null within the
   * grace period; after it, those marked a gap, up to the first one a writer got to first (that one is read next).
   */
  private async passGaps(from: number, present: number): Promise<number | null> {
    const first = this.missingSince.get(from) ?? Date.now();
    this.missingSince.set(from, first);
    if (Date.now() - first < this.opts.gapGraceMs) return null;
    this.missingSince.delete(from);
    const count = Math.max(0, Math.min(present - from, GAP_BATCH));
    const days = this.opts.retentionDays ?? 0;
    const expiresAt: Item = days > 0 ? { expiresAt: N(Math.floor(Date.now() / 1000) + days * 86_400) } : {};
    const marked = await Promise.all(Array.from({ length: count }, (_, i) => this.ddb.put(this.table, { ...logKey(from + i), k: S('gap'), ...expiresAt }, true)));
    const refused = marked.indexOf(false);
    const passed = refused === -1 ? count : refused;
    // The rest of the run was missing as long: it passes on the next round without waiting again.
    if (passed === count && from + count < present) this.missingSince.set(from + count, first);
    return passed;
  }

  async latest(limit: number): Promise<StoredDelivery[]> {
    const items = await this.ddb.query({
      TableName: this.table, ConsistentRead: true, KeyConditionExpression: 'pk = :l', FilterExpression: 'k = :d',
      ExpressionAttributeValues: { ':l': LOG, ':d': S('d') }, ScanIndexForward: false,
    }, limit);
    return items.map((i) => storedOf(i, false));
  }

  async backlog(from: Checkpoint): Promise<{ count: number; oldestReceivedAt: number } | null> {
    const items = await this.ddb.query({
      TableName: this.table, ConsistentRead: true, KeyConditionExpression: 'pk = :l AND sk > :s', FilterExpression: 'k = :d',
      ExpressionAttributeValues: { ':l': LOG, ':s': N(seqOf(from)), ':d': S('d') }, ProjectionExpression: 'receivedAt',
    });
    if (items.length === 0) return null;
    return { count: items.length, oldestReceivedAt: Math.min(...items.map((i) => num(i, 'receivedAt')!)) };
  }

  async edgeCounters(): Promise<EdgeCounters> {
    const c = await this.ddb.get(this.table, COUNTERS_KEY);
    const rejected: Partial<Record<ErrorCode, number>> = {};
    for (const [name, v] of Object.entries(c ?? {})) {
      if (name.startsWith('rejected.') && v.N !== undefined) rejected[name.slice(9) as ErrorCode] = Number(v.N);
    }
    return { received: num(c, 'received') ?? 0, stored: num(c, 'stored') ?? 0, duplicates: num(c, 'duplicates') ?? 0, rejected };
  }

  async close(): Promise<void> {}
}

function matches(item: Item, f: LogFilter): boolean {
  const at = num(item, 'receivedAt')!;
  return (f.tenant === undefined || str(item, 'tenant') === f.tenant) && (f.since === undefined || at >= f.since) && (f.until === undefined || at < f.until);
}
