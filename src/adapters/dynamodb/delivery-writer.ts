import type { NewDelivery } from '../../core/delivery.js';
import { GatewayError, type ErrorCode } from '../../core/errors.js';
import type { BatchOutcome, BatchWriter } from '../../ports/batch-writer.js';
import type { AppendResult } from '../../ports/delivery-log.js';
import { N, num, S, updateOf, type Ddb, type Item } from './ddb.js';
import { COUNTERS_KEY, digestKey, logItem, logKey, SEQ_KEY } from './delivery-items.js';

export interface DeliveryRow {
  readonly delivery: NewDelivery;
  readonly digest: Item;
}

/** DynamoDB's item limit is 400 KB; this leaves room for the other attributes. */
export const MAX_BODY_BYTES = 380_000;
const EMPTY: BatchOutcome = { result: () => { throw new Error('empty batch'); } };

/**
 * The edge's write side on DynamoDB, for a receiving function with no
 * queue in front. A delivery takes the next sequence number (one atomic
 * ADD for the batch) and is written at it, only if that number is still
 * free; then its digest item is put, only if absent. A delivery is durable
 * once both are written. A digest already there makes it a re-delivery:
 * its log item becomes `dup` and the caller gets the first one's id. The
 * log item goes first so that a crash between the two writes leaves a
 * delivery logged twice (its events are idempotent), never one answered as
 * a duplicate of nothing.
 */
export class DynamoDeliveryWriter implements BatchWriter<DeliveryRow> {
  readonly sameThread = false;

  constructor(private readonly ddb: Ddb, private readonly table: string, private readonly retentionDays: number) {}

  encode(d: NewDelivery): DeliveryRow {
    if (d.body.byteLength > MAX_BODY_BYTES) {
      throw new GatewayError('WAHOOK_ERR_HTTP_BODY_TOO_LARGE', `A DynamoDB item holds at most 400 KB: bodies over ${MAX_BODY_BYTES} bytes need a queue with a large-delivery bucket (WAHOOK_QUEUE_URL, WAHOOK_LARGE_DELIVERY_BUCKET)`);
    }
    return { delivery: d, digest: digestKey(d) };
  }

  rowBytes(row: DeliveryRow): number {
    return row.delivery.body.byteLength + 256;
  }

  commitNow(): BatchOutcome {
    throw new Error('DynamoDB commits across the network; use commit');
  }

  async commit(rows: readonly DeliveryRow[], rejections: readonly [ErrorCode, number][]): Promise<BatchOutcome> {
    const firstOf = new Map<string, number>();
    const fresh: number[] = [];
    rows.forEach((r, i) => {
      const k = r.digest.pk!.S!;
      if (!firstOf.has(k)) {
        firstOf.set(k, i);
        fresh.push(i);
      }
    });
    const results: AppendResult[] = [];
    if (fresh.length > 0) {
      const last = await this.take(fresh.length);
      await Promise.all(fresh.map(async (i, n) => {
        results[i] = await this.store(rows[i]!, last - fresh.length + 1 + n);
      }));
    }
    rows.forEach((r, i) => {
      results[i] ??= { id: results[firstOf.get(r.digest.pk!.S!)!]!.id, duplicate: true };
    });
    await this.count(results, rejections);
    return rows.length === 0 ? EMPTY : { result: (i) => results[i]! };
  }

  /** Takes `n` sequence numbers; answers the last. */
  private async take(n: number): Promise<number> {
    const r = await this.ddb.update(this.table, SEQ_KEY, updateOf({}, { add: { v: n } }));
    return num(r || undefined, 'v')!;
  }

  private async store(row: DeliveryRow, seq: number): Promise<AppendResult> {
    // A reader that gave up waiting on this number has marked it a gap: take another.
    while (!(await this.ddb.put(this.table, logItem(seq, row.delivery, this.retentionDays), true))) seq = await this.take(1);
    const expiry = logItem(seq, row.delivery, this.retentionDays).expiresAt;
    const digest = { ...row.digest, id: N(seq), ...(expiry === undefined ? {} : { expiresAt: expiry }) };
    if (await this.ddb.put(this.table, digest, true)) return { id: String(seq), duplicate: false };
    const first = await this.ddb.get(this.table, row.digest);
    await this.ddb.update(this.table, logKey(seq), updateOf({ k: S('dup'), body: undefined, headers: undefined }));
    return { id: String(num(first, 'id') ?? seq), duplicate: true };
  }

  private async count(results: readonly AppendResult[], rejections: readonly [ErrorCode, number][]): Promise<void> {
    const duplicates = results.filter((r) => r.duplicate).length;
    const add: Record<string, number> = { received: results.length, stored: results.length - duplicates, duplicates };
    for (const [code, n] of rejections) {
      add[`rejected.${code}`] = n;
      add.received! += n;
    }
    await this.ddb.update(this.table, COUNTERS_KEY, updateOf({}, { add }));
  }

  afterCommit(): void {}

  poll(): void {}

  /** Readiness writes, as every engine's does: it proves the table is there and this role may write it. */
  async probe(): Promise<void> {
    await this.ddb.update(this.table, COUNTERS_KEY, updateOf({ probedAt: N(Date.now()) }));
  }

  async close(): Promise<void> {}
}
