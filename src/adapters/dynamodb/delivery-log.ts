import type { ErrorCode } from '../../core/errors.js';
import type { Checkpoint, DeliveryLog, EdgeCounters, LogFilter, LogPage, StoredDelivery } from '../../ports/delivery-log.js';
import { N, num, S, str, type Ddb, type Item } from './ddb.js';
import { COUNTERS_KEY, LOG, logKey, storedOf } from './delivery-items.js';

export interface DynamoLogOptions {
  /** How long a missing sequence number is waited for before it is marked a gap and passed. */
  readonly gapGraceMs: number;
}

const seqOf = (c: Checkpoint): number => (c === '' ? 0 : Number(c));
const PAGE = 100;

/**
 * The delivery log on DynamoDB: log items in sequence order, read with
 * strongly consistent queries. Writers take numbers before they write, so a
 * number can be missing for a moment while a later one is already there;
 * a reader stops before a missing number rather than skip it, and only once
 * it has been missing for the grace period marks it a gap (a conditional
 * put, which loses to a writer that got there first; a writer that loses
 * takes a new number). So a checkpoint never passes a delivery that can
 * still be written below it.
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
        if (seq !== at + 1 && !(await this.passGap(at + 1))) break scan;
        if (seq !== at + 1) continue scan;
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

  /** Whether a missing number may be passed: true once it is marked a gap, or found written meanwhile. */
  private async passGap(seq: number): Promise<boolean> {
    const first = this.missingSince.get(seq) ?? Date.now();
    this.missingSince.set(seq, first);
    if (Date.now() - first < this.opts.gapGraceMs) return false;
    await this.ddb.put(this.table, { ...logKey(seq), k: S('gap') }, true);
    this.missingSince.delete(seq);
    return true;
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
