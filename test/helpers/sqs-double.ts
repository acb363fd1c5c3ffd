import { createHash, randomUUID } from 'node:crypto';
import { AwsJsonError, startAwsJsonServer, type AwsJsonServer } from './aws-json-server.js';

/**
 * An SQS test double: no SQS server can be installed here, so this answers
 * the operations wahook uses, over the AWS JSON 1.0 protocol that
 * @aws-sdk/client-sqs speaks (POST, `X-Amz-Target: AmazonSQS.<Op>`), with
 * SQS's semantics where wahook depends on them: a received message is
 * hidden for its visibility timeout and comes back after it with a new
 * receipt handle and a higher receive count; only the latest receipt
 * handle deletes (an older one "succeeds" and deletes nothing, as SQS
 * documents); MD5 of each body, which the SDK checks; a message size limit
 * and at most 10 entries per batch; long polling. Its clock can be moved
 * forward so that timeouts pass without waiting.
 */

export interface DoubleMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes: Record<string, unknown>;
  readonly sentAt: number;
  readonly groupId?: string;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  receipt?: string;
}

interface Queue {
  readonly name: string;
  readonly visibilitySeconds: number;
  readonly fifo: boolean;
  messages: DoubleMessage[];
  readonly dedupe: Map<string, { id: string; at: number }>;
}

export interface SqsDouble {
  readonly endpoint: string;
  /** A queue URL on this server (`sqs://` form, which wahook maps to plain HTTP on loopback). */
  createQueue(name: string, opts?: { visibilitySeconds?: number }): string;
  /** Every message still in the queue (visible or in flight). */
  messages(name: string): readonly DoubleMessage[];
  /** Moves the double's clock forward. */
  advance(ms: number): void;
  /** The next `n` calls of `op` answer a 500 (a service fault). */
  failNext(op: string, n: number): void;
  readonly calls: Map<string, number>;
  close(): Promise<void>;
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');
const ACCOUNT = '000000000000';

export async function startSqsDouble(opts: { maxMessageBytes?: number } = {}): Promise<SqsDouble> {
  const maxBytes = opts.maxMessageBytes ?? 262_144;
  const queues = new Map<string, Queue>();
  const faults = new Map<string, number>();
  let offset = 0;
  let closed = false;
  const now = (): number => Date.now() + offset;

  const queueOf = (input: Record<string, unknown>): Queue => {
    const url = String(input.QueueUrl ?? '');
    const name = url.split('/').pop() ?? '';
    const q = queues.get(name);
    if (q === undefined) throw new AwsJsonError('com.amazonaws.sqs#QueueDoesNotExist', `The specified queue ${url} does not exist.`);
    return q;
  };
  const fault = (op: string): void => {
    const n = faults.get(op) ?? 0;
    if (n > 0) {
      faults.set(op, n - 1);
      throw new AwsJsonError('com.amazonaws.sqs#InternalError', 'injected fault', 500);
    }
  };
  const sizeOf = (body: string, attrs: Record<string, unknown> | undefined): number =>
    Buffer.byteLength(body) + Buffer.byteLength(JSON.stringify(attrs ?? {})) - (attrs ? 2 : 0);

  const enqueue = (q: Queue, e: Record<string, unknown>): { MessageId: string; MD5OfMessageBody: string } => {
    const body = String(e.MessageBody ?? '');
    if (body === '') throw new AwsJsonError('com.amazonaws.sqs#MissingParameter', 'The request must contain the parameter MessageBody.');
    const attributes = (e.MessageAttributes ?? {}) as Record<string, unknown>;
    if (sizeOf(body, attributes) > maxBytes) throw new AwsJsonError('com.amazonaws.sqs#InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${maxBytes} bytes.`);
    if (q.fifo) {
      if (typeof e.MessageGroupId !== 'string') throw new AwsJsonError('com.amazonaws.sqs#MissingParameter', 'The request must contain the parameter MessageGroupId.');
      const dedupId = String(e.MessageDeduplicationId ?? '');
      const seen = q.dedupe.get(dedupId);
      // FIFO queues drop a repeated deduplication id for five minutes and answer with the first message's id.
      if (seen !== undefined && now() - seen.at < 300_000) return { MessageId: seen.id, MD5OfMessageBody: md5(body) };
    }
    const id = randomUUID();
    const delay = Number(e.DelaySeconds ?? 0) * 1000;
    q.messages.push({ id, body, attributes, sentAt: now(), visibleAt: now() + delay, receiveCount: 0, ...(typeof e.MessageGroupId === 'string' ? { groupId: e.MessageGroupId } : {}) });
    if (q.fifo) q.dedupe.set(String(e.MessageDeduplicationId ?? ''), { id, at: now() });
    return { MessageId: id, MD5OfMessageBody: md5(body) };
  };

  const take = (q: Queue, max: number, visibility: number): DoubleMessage[] => {
    const out: DoubleMessage[] = [];
    for (const m of q.messages) {
      if (out.length >= max) break;
      if (m.visibleAt > now()) continue;
      m.receiveCount++;
      m.firstReceiveAt ??= now();
      m.receipt = `${m.id}#${m.receiveCount}#${randomUUID()}`;
      m.visibleAt = now() + visibility * 1000;
      out.push(m);
    }
    return out;
  };

  const byReceipt = (q: Queue, receipt: unknown): DoubleMessage | undefined => q.messages.find((m) => m.receipt === receipt);
  const changeVisibility = (q: Queue, receipt: unknown, seconds: unknown): void => {
    const m = byReceipt(q, receipt);
    if (m === undefined || m.visibleAt <= now()) throw new AwsJsonError('com.amazonaws.sqs#MessageNotInflight', 'The message referred to is not in flight.');
    m.visibleAt = now() + Number(seconds) * 1000;
  };
  const remove = (q: Queue, receipt: unknown): void => {
    // An old receipt handle "succeeds" and deletes nothing: only the latest receive may delete.
    q.messages = q.messages.filter((m) => m.receipt !== receipt);
  };
  const batch = <T>(entries: unknown, fn: (e: Record<string, unknown>) => T) => {
    const list = (entries ?? []) as Record<string, unknown>[];
    if (list.length === 0) throw new AwsJsonError('com.amazonaws.sqs#EmptyBatchRequest', 'There should be at least one entry in the request.');
    if (list.length > 10) throw new AwsJsonError('com.amazonaws.sqs#TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
    const Successful: (T & { Id: unknown })[] = [];
    const Failed: { Id: unknown; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const e of list) {
      try {
        Successful.push({ Id: e.Id, ...fn(e) });
      } catch (err) {
        const x = err as AwsJsonError;
        Failed.push({ Id: e.Id, SenderFault: true, Code: x.type?.split('#')[1] ?? 'Error', Message: x.message });
      }
    }
    return { Successful, Failed };
  };

  const server: AwsJsonServer = await startAwsJsonServer('AmazonSQS', {
    SendMessage: (input) => {
      fault('SendMessage');
      return enqueue(queueOf(input), input);
    },
    SendMessageBatch: (input) => {
      fault('SendMessageBatch');
      const q = queueOf(input);
      const entries = (input.Entries ?? []) as Record<string, unknown>[];
      const total = entries.reduce((n, e) => n + sizeOf(String(e.MessageBody ?? ''), e.MessageAttributes as Record<string, unknown> | undefined), 0);
      if (total > maxBytes) throw new AwsJsonError('com.amazonaws.sqs#BatchRequestTooLong', `Batch requests cannot be longer than ${maxBytes} bytes.`);
      return batch(entries, (e) => enqueue(q, e));
    },
    ReceiveMessage: async (input) => {
      fault('ReceiveMessage');
      const q = queueOf(input);
      const max = Math.min(10, Math.max(1, Number(input.MaxNumberOfMessages ?? 1)));
      const visibility = input.VisibilityTimeout === undefined ? q.visibilitySeconds : Number(input.VisibilityTimeout);
      const deadline = Date.now() + Math.min(20, Number(input.WaitTimeSeconds ?? 0)) * 1000;
      let got = take(q, max, visibility);
      while (got.length === 0 && !closed && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        got = take(q, max, visibility);
      }
      return {
        Messages: got.map((m) => ({
          MessageId: m.id,
          ReceiptHandle: m.receipt,
          MD5OfBody: md5(m.body),
          Body: m.body,
          Attributes: { SentTimestamp: String(m.sentAt), ApproximateReceiveCount: String(m.receiveCount), ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt), ...(m.groupId ? { MessageGroupId: m.groupId } : {}) },
          ...(Object.keys(m.attributes).length ? { MessageAttributes: m.attributes } : {}),
        })),
      };
    },
    DeleteMessage: (input) => {
      fault('DeleteMessage');
      remove(queueOf(input), input.ReceiptHandle);
      return {};
    },
    DeleteMessageBatch: (input) => {
      fault('DeleteMessageBatch');
      const q = queueOf(input);
      return batch(input.Entries, (e) => (remove(q, e.ReceiptHandle), {}));
    },
    ChangeMessageVisibility: (input) => {
      fault('ChangeMessageVisibility');
      changeVisibility(queueOf(input), input.ReceiptHandle, input.VisibilityTimeout);
      return {};
    },
    ChangeMessageVisibilityBatch: (input) => {
      fault('ChangeMessageVisibilityBatch');
      const q = queueOf(input);
      return batch(input.Entries, (e) => (changeVisibility(q, e.ReceiptHandle, e.VisibilityTimeout), {}));
    },
    GetQueueAttributes: (input) => {
      fault('GetQueueAttributes');
      const q = queueOf(input);
      const visible = q.messages.filter((m) => m.visibleAt <= now()).length;
      return { Attributes: { ApproximateNumberOfMessages: String(visible), ApproximateNumberOfMessagesNotVisible: String(q.messages.length - visible), VisibilityTimeout: String(q.visibilitySeconds) } };
    },
  });
  const host = server.endpoint.replace('http://', '');
  return {
    endpoint: server.endpoint,
    calls: server.calls,
    createQueue(name, o = {}) {
      queues.set(name, { name, visibilitySeconds: o.visibilitySeconds ?? 30, fifo: name.endsWith('.fifo'), messages: [], dedupe: new Map() });
      return `sqs://${host}/${ACCOUNT}/${name}`;
    },
    messages: (name) => queues.get(name)?.messages ?? [],
    advance: (ms) => {
      offset += ms;
    },
    failNext: (op, n) => {
      faults.set(op, n);
    },
    close: async () => {
      closed = true;
      await server.close();
    },
  };
}
