import type { NewDelivery } from '../../core/delivery.js';
import { GatewayError } from '../../core/errors.js';
import type { BatchOutcome, BatchWriter } from '../../ports/batch-writer.js';
import type { LargeDeliveries } from './claim-check.js';
import { inlineBytes, MAX_MESSAGE_BYTES, messageBody, sha256Hex } from './message.js';
import type { SqsApi } from './sqs-api.js';

export interface QueuedRow {
  readonly delivery: NewDelivery;
  /** Too large for a message: the body goes to the bucket first. */
  readonly large: boolean;
  readonly bytes: number;
}

const MAX_BATCH_ENTRIES = 10;

interface BatchEntry {
  readonly Id: string;
  readonly MessageBody: string;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
}

interface BatchResult {
  readonly Successful?: readonly { Id: string; MessageId: string }[];
  readonly Failed?: readonly { Id: string; Code?: string }[];
}
const EMPTY: BatchOutcome = { result: () => { throw new Error('empty batch'); } };

/**
 * SQS as the delivery log's write side: a delivery is durable once
 * SendMessage (or SendMessageBatch, for a batch GroupCommit gathered) has
 * answered. A standard queue does not deduplicate: an exact re-delivery
 * becomes a second message and its events are caught downstream by their
 * keys, so `duplicate` is never reported here. A FIFO queue drops a repeat
 * within five minutes by the body's digest.
 */
export class SqsBatchWriter implements BatchWriter<QueuedRow> {
  readonly sameThread = false;

  constructor(
    private readonly sqs: SqsApi,
    private readonly queueUrl: string,
    private readonly fifo: boolean,
    private readonly large: LargeDeliveries | null,
  ) {}

  encode(d: NewDelivery): QueuedRow {
    const bytes = inlineBytes(d);
    const large = bytes > MAX_MESSAGE_BYTES;
    // Refused before it joins a batch, so only this request is answered 413.
    if (large && this.large === null) throw new GatewayError('WAHOOK_ERR_QUEUE_MESSAGE_TOO_LARGE');
    return { delivery: d, large, bytes: large ? 1024 : bytes };
  }

  rowBytes(row: QueuedRow): number {
    return row.bytes;
  }

  commitNow(): BatchOutcome {
    throw new Error('SQS commits across the network; use commit');
  }

  /** Refusals have no durable counter in a queue; the host counts them in its own telemetry. */
  async commit(rows: readonly QueuedRow[]): Promise<BatchOutcome> {
    if (rows.length === 0) return EMPTY;
    const entries = await Promise.all(rows.map((r, i) => this.entry(r, i)));
    const ids = rows.length === 1 ? [await this.sendOne(entries[0]!)] : await this.sendBatches(entries);
    return { result: (i) => ({ id: ids[i]!, duplicate: false }) };
  }

  private async entry(r: QueuedRow, i: number): Promise<BatchEntry> {
    const claim = r.large ? await this.large!.put(r.delivery) : undefined;
    const body = messageBody(r.delivery, claim);
    const d = r.delivery;
    const fifo = this.fifo ? { MessageGroupId: d.tenant, MessageDeduplicationId: sha256Hex(Buffer.concat([Buffer.from(`${d.tenant}\u0000${d.provider}\u0000`), d.body])) } : {};
    return { Id: String(i), MessageBody: body, ...fifo };
  }

  private async sendOne(e: BatchEntry): Promise<string> {
    const { Id: _id, ...rest } = e;
    const r = await this.sqs.call<{ MessageId: string }>('SendMessage', { QueueUrl: this.queueUrl, ...rest });
    return r.MessageId;
  }

  /** Calls of up to 10 entries and 256 KiB in all, sent together; an entry SQS failed is sent once more on its own. */
  private async sendBatches(entries: readonly BatchEntry[]): Promise<string[]> {
    const calls: BatchEntry[][] = [];
    let current: BatchEntry[] = [];
    let bytes = 0;
    for (const e of entries) {
      const size = Buffer.byteLength(e.MessageBody);
      if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_MESSAGE_BYTES)) {
        calls.push(current);
        current = [];
        bytes = 0;
      }
      current.push(e);
      bytes += size;
    }
    calls.push(current);
    const ids: string[] = [];
    const send = async (call: BatchEntry[]): Promise<void> => {
      const r = await this.sqs.call<BatchResult>('SendMessageBatch', { QueueUrl: this.queueUrl, Entries: call });
      for (const ok of r.Successful ?? []) ids[Number(ok.Id)] = ok.MessageId;
      for (const f of r.Failed ?? []) ids[Number(f.Id)] = await this.sendOne(entries[Number(f.Id)]!);
    };
    // On a FIFO queue calls go one after another, so a later call cannot overtake an earlier one in a group, and an
    // entry SQS failed is sent again before the next call (it can still land after its own call's other entries).
    if (this.fifo) for (const call of calls) await send(call);
    else await Promise.all(calls.map(send));
    return ids;
  }

  afterCommit(): void {}

  poll(): void {}

  /**
   * Anything written to a queue reaches its consumers, so readiness reads
   * the queue's attributes instead: it proves the queue exists and this
   * role may use it.
   */
  async probe(): Promise<void> {
    await this.sqs.call('GetQueueAttributes', { QueueUrl: this.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] });
  }

  async close(): Promise<void> {}
}
