import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startS3, startSqs, type LocalS3 } from '../../../test/helpers/aws-local.js';
import type { SqsDouble } from '../../../test/helpers/sqs-double.js';
import type { NewDelivery } from '../../core/delivery.js';
import { START } from '../../ports/delivery-log.js';
import { sqsQueue } from './index.js';
import { parseMessage } from './message.js';
import type { SqsDeliveryLog } from './delivery-log.js';

const BUCKET = 'wahook-large';
let sqs: SqsDouble;
let s3: LocalS3;
let n = 0;

const delivery = (text: string, tenant = 'default'): NewDelivery => ({
  tenant, provider: 'cloud_api', receivedAt: 1_800_000_000_000 + n++,
  body: Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [], text })),
  headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' },
});
const code = (e: unknown): string => (e as { code: string }).code;

before(async () => {
  sqs = await startSqs();
  s3 = await startS3([BUCKET]);
});
after(async () => {
  await sqs.close();
  await s3.close();
});

describe('SQS as the delivery log', () => {
  test('one append is one SendMessage of the tenant, provider, time, headers and base64 bytes; the decoder gives the delivery back', async () => {
    const url = sqs.createQueue('single');
    const q = sqsQueue({ url, waitSeconds: 1 });
    const store = await q.openDeliveryStore();
    const d = delivery('héllo ✓');
    const r = await store.append(d);
    assert.equal(r.duplicate, false);
    const [m] = sqs.messages('single');
    assert.equal(m!.id, r.id);
    const parsed = parseMessage(m!.body);
    assert.deepEqual([parsed.tenant, parsed.provider, parsed.receivedAt, parsed.headers], [d.tenant, d.provider, d.receivedAt, d.headers]);
    const back = await q.openDecoder().decode({ id: m!.id, body: m!.body });
    assert.ok(back.body.equals(Buffer.from(d.body)), 'the exact bytes, so the signature verifies again');
    assert.equal(back.id, r.id);
    assert.equal(sqs.calls.get('SendMessage'), 1);
    await store.close();
  });

  test('concurrent appends share SendMessageBatch calls of at most 10; every caller gets its own message id', async () => {
    const url = sqs.createQueue('batched');
    const store = await sqsQueue({ url, waitSeconds: 1 }).openDeliveryStore();
    const before = sqs.calls.get('SendMessageBatch') ?? 0;
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => store.append(delivery(`m${i}`))));
    assert.equal(new Set(results.map((r) => r.id)).size, 25);
    assert.equal(sqs.messages('batched').length, 25);
    assert.ok((sqs.calls.get('SendMessageBatch') ?? 0) - before >= 3, 'at most 10 entries per call');
    assert.deepEqual(new Set(sqs.messages('batched').map((m) => m.id)), new Set(results.map((r) => r.id)));
    await store.close();
  });

  test('a fault SQS keeps answering is a 503 for the batch; one the SDK retries through is not', async () => {
    const url = sqs.createQueue('faulty');
    const store = await sqsQueue({ url, waitSeconds: 1 }).openDeliveryStore();
    sqs.failNext('SendMessage', 1);
    await store.append(delivery('retried'));
    assert.equal(sqs.messages('faulty').length, 1);
    sqs.failNext('SendMessage', 10);
    await assert.rejects(store.append(delivery('lost')), (e) => code(e) === 'WAHOOK_ERR_STORE_UNAVAILABLE');
    assert.equal(sqs.messages('faulty').length, 1);
    sqs.failNext('SendMessage', 0);
    await store.close();
  });

  test('a 3 MB delivery goes to S3 first and the message carries its key and SHA-256; a changed object is refused', async () => {
    const url = sqs.createQueue('claims');
    const q = sqsQueue({ url, largeDeliveryBucket: BUCKET, waitSeconds: 1 });
    const store = await q.openDeliveryStore();
    const big = delivery('x'.repeat(3 * 1024 * 1024));
    await store.append(big);
    const [m] = sqs.messages('claims');
    assert.ok(Buffer.byteLength(m!.body) < 1024, 'the message holds only the pointer');
    const claim = parseMessage(m!.body).s3!;
    assert.equal(claim.bucket, BUCKET);
    assert.equal(claim.bytes, big.body.byteLength);
    const back = await q.openDecoder().decode({ id: m!.id, body: m!.body });
    assert.ok(back.body.equals(Buffer.from(big.body)));
    await new S3Client({}).send(new PutObjectCommand({ Bucket: BUCKET, Key: claim.key, Body: Buffer.from('{"tampered":true}') }));
    await assert.rejects(q.openDecoder().decode({ id: m!.id, body: m!.body }), (e) => code(e) === 'WAHOOK_ERR_CLAIM_CHECK_FAILED');
    await store.close();
  });

  test('without AWS_REGION a large delivery still goes to S3 and comes back: the bucket is taken to be in the queue\'s region', async () => {
    sqs.createQueue('no-region');
    const saved = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      const q = sqsQueue({ url: 'sqs://sqs.eu-west-1.amazonaws.com/123456789012/no-region', largeDeliveryBucket: BUCKET, waitSeconds: 1 });
      const store = await q.openDeliveryStore();
      const big = delivery('y'.repeat(300 * 1024));
      await store.append(big);
      const [m] = sqs.messages('no-region');
      assert.ok(parseMessage(m!.body).s3 !== undefined, 'claim-checked');
      assert.ok((await q.openDecoder().decode({ id: m!.id, body: m!.body })).body.equals(Buffer.from(big.body)));
      await store.close();
    } finally {
      process.env.AWS_REGION = saved;
    }
  });

  test('without a bucket a delivery too large for a message is refused with 413, alone', async () => {
    const url = sqs.createQueue('nobucket');
    const store = await sqsQueue({ url, waitSeconds: 1 }).openDeliveryStore();
    const [small, big] = await Promise.allSettled([store.append(delivery('ok')), store.append(delivery('y'.repeat(300_000)))]);
    assert.equal(small.status, 'fulfilled');
    assert.equal(big.status === 'rejected' && code(big.reason), 'WAHOOK_ERR_QUEUE_MESSAGE_TOO_LARGE');
    assert.equal(sqs.messages('nobucket').length, 1);
    await store.close();
  });

  test('a FIFO queue keeps one message for an exact re-delivery', async () => {
    const url = sqs.createQueue('dedupe.fifo');
    const store = await sqsQueue({ url, waitSeconds: 1 }).openDeliveryStore();
    const d = delivery('same');
    const a = await store.append(d);
    const b = await store.append({ ...d });
    assert.equal(b.id, a.id);
    assert.equal(sqs.messages('dedupe.fifo').length, 1);
    assert.equal(sqs.messages('dedupe.fifo')[0]!.groupId, 'default');
    await store.close();
  });
});

describe('the hybrid worker\'s read side', () => {
  test('a read leases, an unacknowledged message comes back after its visibility timeout, an ack deletes', async () => {
    const url = sqs.createQueue('lease', { visibilitySeconds: 30 });
    const q = sqsQueue({ url, waitSeconds: 1, visibilitySeconds: 30 });
    const store = await q.openDeliveryStore();
    for (const t of ['a', 'b', 'c']) await store.append(delivery(t));
    const log = await q.openDeliveryLog();
    const page = await log.read(START, 10);
    assert.deepEqual(page.deliveries.map((d) => JSON.parse(d.body.toString()).text), ['a', 'b', 'c']);
    assert.equal((await log.read(START, 10)).deliveries.length, 0, 'hidden while leased');
    sqs.advance(31_000);
    const again = await log.read(START, 10);
    assert.deepEqual(again.deliveries.map((d) => d.id), page.deliveries.map((d) => d.id), 'the same messages, redelivered');
    assert.equal(sqs.messages('lease')[0]!.receiveCount, 2);
    await log.ack!(again);
    assert.equal(sqs.messages('lease').length, 0);
    await log.close();
    await store.close();
  });

  test('while the worker holds messages their visibility is extended, so no other consumer gets them', async () => {
    const url = sqs.createQueue('held');
    const q = sqsQueue({ url, waitSeconds: 1, visibilitySeconds: 1 });
    const store = await q.openDeliveryStore();
    await store.append(delivery('slow work'));
    const log = await q.openDeliveryLog();
    const page = await log.read(START, 10);
    assert.equal(page.deliveries.length, 1);
    const other = new SQSClient({});
    const url2 = url.replace('sqs://', 'http://');
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const r = await other.send(new ReceiveMessageCommand({ QueueUrl: url2, WaitTimeSeconds: 0 }));
      assert.equal((r.Messages ?? []).length, 0, `still hidden after ${(i + 1) * 500} ms of a 1 s timeout`);
    }
    assert.ok((sqs.calls.get('ChangeMessageVisibilityBatch') ?? 0) >= 3);
    await log.ack!(page);
    assert.equal(sqs.messages('held').length, 0);
    await log.close();
    await store.close();
  });

  test('a page given back (its ingest failed) is no longer renewed and comes back after one more visibility timeout, not at once', async () => {
    const url = sqs.createQueue('given-back');
    const q = sqsQueue({ url, waitSeconds: 1, visibilitySeconds: 1 });
    const store = await q.openDeliveryStore();
    await store.append(delivery('store down'));
    const log = await q.openDeliveryLog();
    const page = await log.read(START, 10);
    assert.equal(page.deliveries.length, 1);
    await log.release!(page);
    const givenBackAt = Date.now();
    const calls = sqs.calls.get('ChangeMessageVisibilityBatch') ?? 0;
    // Each receive counts toward the dead-letter queue: one right after the failure must not get it.
    const other = new SQSClient({});
    const at = await other.send(new ReceiveMessageCommand({ QueueUrl: url.replace('sqs://', 'http://'), WaitTimeSeconds: 0 }));
    assert.equal(at.Messages?.length ?? 0, 0, 'hidden right after it was given back');
    const again = await log.read(START, 10);
    assert.deepEqual(again.deliveries.map((d) => d.id), page.deliveries.map((d) => d.id), 'the same message, once its visibility timeout ended');
    assert.ok(Date.now() - givenBackAt >= 900, `back after ${Date.now() - givenBackAt} ms`);
    await log.ack!(again);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(sqs.calls.get('ChangeMessageVisibilityBatch') ?? 0, calls, 'nothing held, nothing renewed');
    await log.close();
    await store.close();
  });

  test('the backlog is the queue\'s depth, waiting and in flight, marked approximate, with no receive time', async () => {
    const url = sqs.createQueue('depth');
    const q = sqsQueue({ url, waitSeconds: 1 });
    const store = await q.openDeliveryStore();
    for (const t of ['a', 'b', 'c']) await store.append(delivery(t));
    const log = (await q.openDeliveryLog()) as SqsDeliveryLog;
    assert.deepEqual(await log.backlog(), { count: 3, oldestReceivedAt: null, approximate: true });
    const page = await log.read(START, 2);
    assert.equal(page.deliveries.length, 2);
    assert.equal((await log.backlog())!.count, 3, 'read but not yet acknowledged: still owed');
    await log.ack!(page);
    assert.equal((await log.backlog())!.count, 1);
    await log.ack!(await log.read(START, 10));
    assert.deepEqual(await log.backlog(), { count: 0, oldestReceivedAt: null, approximate: true });
    await log.close();
    await store.close();
  });

  test('a message that is not a delivery is never returned and never extended: it comes back for the dead-letter queue', async () => {
    const url = sqs.createQueue('poison');
    const q = sqsQueue({ url, waitSeconds: 1, visibilitySeconds: 5 });
    const raw = new SQSClient({});
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    await raw.send(new SendMessageCommand({ QueueUrl: url.replace('sqs://', 'http://'), MessageBody: 'not a delivery' }));
    const log = (await q.openDeliveryLog()) as SqsDeliveryLog;
    assert.equal((await log.read(START, 10)).deliveries.length, 0);
    assert.equal(log.undecodable, 1);
    sqs.advance(6_000);
    assert.equal((await log.read(START, 10)).deliveries.length, 0);
    assert.equal(sqs.messages('poison')[0]!.receiveCount, 2, 'received again: the redrive policy counts it toward the DLQ');
    await assert.rejects(log.latest(), (e) => code(e) === 'WAHOOK_ERR_QUEUE_UNSUPPORTED');
    await log.close();
  });
});
