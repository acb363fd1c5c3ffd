import assert from 'node:assert/strict';
import { test } from 'node:test';
import { START } from '../../ports/delivery-log.js';
import { SqsDeliveryDecoder } from './decoder.js';
import { SqsDeliveryLog } from './delivery-log.js';
import { messageBody } from './message.js';
import type { SqsApi } from './sqs-api.js';

const body = (i: number): string => messageBody({ tenant: 'default', provider: 'cloud_api', receivedAt: 1_800_000_000_000 + i, body: Buffer.from(`{"n":${i}}`), headers: {} });

/** An SQS that answers full receives `pages` times, then fails every receive; it records the visibility changes asked of it. */
function failingAfter(pages: number): SqsApi & { visibility: { Id: string; VisibilityTimeout: number }[][] } {
  let receives = 0;
  let n = 0;
  const visibility: { Id: string; VisibilityTimeout: number }[][] = [];
  return {
    visibility,
    call: async (op: string, input: Record<string, unknown>) => {
      if (op === 'ReceiveMessage') {
        if (receives++ >= pages) throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        return { Messages: Array.from({ length: Number(input.MaxNumberOfMessages) }, () => ({ MessageId: `m${n}`, ReceiptHandle: `r${n}`, Body: body(n++) })) };
      }
      if (op === 'ChangeMessageVisibilityBatch') visibility.push(input.Entries as { Id: string; VisibilityTimeout: number }[]);
      return {};
    },
  } as unknown as SqsApi & { visibility: { Id: string; VisibilityTimeout: number }[][] };
}

const decoder = new SqsDeliveryDecoder(async () => {
  throw new Error('no claim check here');
});

test('a receive that fails partway through a read answers what is already held, so it is acknowledged or given back, not left hidden', async () => {
  const sqs = failingAfter(2);
  const log = new SqsDeliveryLog(sqs, 'https://sqs.us-east-1.amazonaws.com/1/q', decoder, { waitSeconds: 1, visibilitySeconds: 30 });
  const page = await log.read(START, 50);
  assert.deepEqual(page.deliveries.map((d) => d.id), Array.from({ length: 20 }, (_, i) => `m${i}`));
  await log.release(page);
  assert.deepEqual(sqs.visibility.flat().map((e) => e.VisibilityTimeout), Array(20).fill(30), 'given back for one visibility timeout each');
  await log.close();
});

test('a read whose first receive fails fails, holding nothing', async () => {
  const log = new SqsDeliveryLog(failingAfter(0), 'https://sqs.us-east-1.amazonaws.com/1/q', decoder, { waitSeconds: 1, visibilitySeconds: 30 });
  await assert.rejects(log.read(START, 50), /connection reset/);
  await log.close();
});
