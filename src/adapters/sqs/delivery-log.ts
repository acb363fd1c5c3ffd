import { GatewayError } from '../../core/errors.js';
import type { Backlog, Checkpoint, DeliveryLog, EdgeCounters, LogFilter, LogPage, StoredDelivery } from '../../ports/delivery-log.js';
import type { DeliveryDecoder } from '../../ports/queued-delivery.js';
import type { SqsApi } from './sqs-api.js';

export interface SqsLogOptions {
  /** ReceiveMessage's long-poll wait, 1-20 s. */
  readonly waitSeconds: number;
  /** How long a received message stays hidden; renewed while the worker holds it. */
  readonly visibilitySeconds: number;
}

interface ReceivedMessage {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly Body?: string;
  readonly Attributes?: { readonly MessageGroupId?: string };
}

interface BatchFailures {
  readonly Failed?: readonly { Id: string; Code?: string }[];
}

const chunks = <T>(xs: readonly T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
const unsupported = (what: string): GatewayError => new GatewayError('WAHOOK_ERR_QUEUE_UNSUPPORTED', `SQS cannot ${what}: it is a queue, not a browsable log`);

/**
 * The hybrid worker's read side: a dedicated server consuming the queue
 * the Lambda fills. A read is a lease (ReceiveMessage hides what it
 * returns); while the worker holds messages their visibility is extended,
 * and `ack` deletes them once their events are committed. A message that
 * is not a delivery is not extended: it comes back after its timeout and,
 * after the queue's maxReceiveCount, moves to the dead-letter queue.
 */
export class SqsDeliveryLog implements DeliveryLog {
  private readonly held = new Map<string, string>();
  private heartbeat: NodeJS.Timeout | null = null;
  /** Messages that could not be decoded; they go to the dead-letter queue in the end. */
  undecodable = 0;
  /** Visibility extensions SQS refused (the message came back or was deleted meanwhile). */
  lostLeases = 0;

  constructor(
    private readonly sqs: SqsApi,
    private readonly queueUrl: string,
    private readonly decoder: DeliveryDecoder,
    private readonly opts: SqsLogOptions,
  ) {}

  async read(from: Checkpoint, limit: number, filter: LogFilter = {}): Promise<LogPage> {
    if (filter.since !== undefined || filter.until !== undefined || filter.tenant !== undefined || filter.upTo !== undefined) throw unsupported('filter or replay past deliveries');
    const deliveries: StoredDelivery[] = [];
    // Every message carries its headers, but a read answers them only when asked, as every delivery log does.
    const withHeaders = filter.withHeaders === true;
    // The first receive long-polls; while full pages come back, more are taken without waiting.
    for (let wait = this.opts.waitSeconds; deliveries.length < limit; wait = 0) {
      const max = Math.min(10, limit - deliveries.length);
      let r: { Messages?: ReceivedMessage[] };
      try {
        r = await this.sqs.call<{ Messages?: ReceivedMessage[] }>('ReceiveMessage', {
          QueueUrl: this.queueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: wait, VisibilityTimeout: this.opts.visibilitySeconds, MessageSystemAttributeNames: ['MessageGroupId'],
        });
      } catch (e) {
        // What is already held is answered, to be acknowledged or given back: thrown away here, it would stay
        // hidden, its leases renewed, with no page left to end them.
        if (deliveries.length > 0) break;
        throw e;
      }
      const messages = r.Messages ?? [];
      for (const m of messages) {
        try {
          const decoded = await this.decoder.decode({ id: m.MessageId, body: m.Body ?? '' });
          const group = m.Attributes?.MessageGroupId;
          const d = group === undefined ? decoded : { ...decoded, group };
          deliveries.push(withHeaders ? d : { ...d, headers: {} });
          this.held.set(m.MessageId, m.ReceiptHandle);
          // Renewed from the first one held: a long read (bodies fetched from S3) must not outlast its leases.
          this.startHeartbeat();
        } catch {
          this.undecodable++;
        }
      }
      if (messages.length < max) break;
    }
    return { deliveries, next: from };
  }

  async ack(page: LogPage): Promise<void> {
    const entries = this.letGo(page);
    await Promise.all(chunks(entries, 10).map(async (call) => {
      const r = await this.sqs.call<BatchFailures>('DeleteMessageBatch', { QueueUrl: this.queueUrl, Entries: call });
      // Not deleted: the message comes back and is ingested again, which changes nothing.
      if ((r.Failed ?? []).length > 0) throw new Error(`SQS did not delete ${r.Failed!.length} message(s): ${r.Failed![0]!.Code}`);
    }));
  }

  /**
   * No longer renewed, and hidden for one more visibility timeout: it comes back then, as SQS retries any
   * message, rather than at once, when the store that refused it is likely still refusing and every receive
   * counts toward the dead-letter queue.
   */
  async release(page: LogPage): Promise<void> {
    const entries = this.letGo(page).map((e) => ({ ...e, VisibilityTimeout: this.opts.visibilitySeconds }));
    await Promise.all(chunks(entries, 10).map((call) => this.sqs.call('ChangeMessageVisibilityBatch', { QueueUrl: this.queueUrl, Entries: call }).catch(() => undefined)));
  }

  /** Stops holding a page's messages (no more renewals) and answers their receipts. */
  private letGo(page: LogPage): { Id: string; ReceiptHandle: string }[] {
    const entries = page.deliveries.flatMap((d, i) => {
      const receipt = this.held.get(d.id);
      this.held.delete(d.id);
      return receipt === undefined ? [] : [{ Id: String(i), ReceiptHandle: receipt }];
    });
    if (this.held.size === 0) this.stopHeartbeat();
    return entries;
  }

  private startHeartbeat(): void {
    if (this.heartbeat !== null) return;
    // A third of the timeout: two renewals can fail before a held message becomes visible to another worker.
    const every = Math.max(200, (this.opts.visibilitySeconds * 1000) / 3);
    this.heartbeat = setInterval(() => void this.extend(), every);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async extend(): Promise<void> {
    const held = [...this.held.values()].map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle, VisibilityTimeout: this.opts.visibilitySeconds }));
    await Promise.all(chunks(held, 10).map(async (call) => {
      try {
        const r = await this.sqs.call<BatchFailures>('ChangeMessageVisibilityBatch', { QueueUrl: this.queueUrl, Entries: call });
        this.lostLeases += (r.Failed ?? []).length;
      } catch {
        this.lostLeases += call.length;
      }
    }));
  }

  async latest(): Promise<StoredDelivery[]> {
    throw unsupported('list past deliveries');
  }

  /** The queue's depth, received or not; SQS keeps no receive time of its oldest message for us (CloudWatch does). */
  async backlog(): Promise<Backlog | null> {
    const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'];
    const r = await this.sqs.call<{ Attributes?: Record<string, string> }>('GetQueueAttributes', { QueueUrl: this.queueUrl, AttributeNames: names });
    const count = names.reduce((n, k) => n + Number(r.Attributes?.[k] ?? 0), 0);
    return { count, oldestReceivedAt: null, approximate: true };
  }

  async edgeCounters(): Promise<EdgeCounters> {
    throw unsupported('count what the edge received');
  }

  async close(): Promise<void> {
    this.stopHeartbeat();
  }
}
