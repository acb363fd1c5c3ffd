import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { startProcessContainer, startReceiveContainer } from '../../src/entry/lambda/container.js';
import { createSqsHandler, jobReserve, type SqsEventLike, type SqsHandler } from '../../src/entry/lambda/process.js';
import { createReceiveHandler, type ReceiveHandler } from '../../src/entry/lambda/receive.js';
import { startS3, startSqs, type LocalS3 } from '../helpers/aws-local.js';
import { loadFixture } from '../helpers/fixtures.js';
import { SECRET, tempDir } from '../helpers/gateway.js';
import { eventFor, sqsEventFor } from '../helpers/lambda-events.js';
import { signedHeaders } from '../helpers/payloads.js';
import type { SqsDouble } from '../helpers/sqs-double.js';

const BUCKET = 'process-large';
let sqs: SqsDouble;
let s3: LocalS3;
let dir: string;
let receive: ReceiveHandler;
let process_: SqsHandler;
let env: Record<string, string>;
const QUEUE = 'process';

const envelope = (value: object): Buffer => Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'waba', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '1' }, ...value } }] }] }));
const text = (id: string, from: string, ts: number, body = id): object => ({ from, id, timestamp: String(ts), type: 'text', text: { body } });
const status = (id: string, value: string, ts: number): object => ({ id, status: value, timestamp: String(ts), recipient_id: '16505551234' });

async function post(body: Buffer): Promise<void> {
  const r = await receive(eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body }));
  assert.equal(r.statusCode, 200);
}

/** Takes what the queue holds, as Lambda's poller would, into one event of the fixture's shape. */
function drainQueue(fixture: 'lambda/sqs-standard-attributes.json' | 'lambda/sqs-fifo.json' = 'lambda/sqs-standard-attributes.json') {
  const messages = sqs.messages(QUEUE).map((m) => ({ id: m.id, body: m.body }));
  return sqsEventFor(fixture, messages);
}

async function query<T>(fn: (q: Awaited<ReturnType<ReturnType<typeof createEngine>['openEventQuery']>>) => Promise<T>): Promise<T> {
  const q = await createEngine(loadConfig({ env })).openEventQuery();
  try {
    return await fn(q);
  } finally {
    await q.close();
  }
}

before(async () => {
  sqs = await startSqs();
  s3 = await startS3([BUCKET]);
  dir = tempDir('wahook-lambda-');
  const handlers = join(dir, 'handlers.mjs');
  writeFileSync(handlers, `import { appendFileSync } from 'node:fs';\nexport async function message(e) { appendFileSync(${JSON.stringify(join(dir, 'calls.txt'))}, e.messageId + '\\n'); }\n`);
  env = { WAHOOK_APP_SECRET: SECRET, WAHOOK_QUEUE_URL: sqs.createQueue(QUEUE), WAHOOK_LARGE_DELIVERY_BUCKET: BUCKET, WAHOOK_DATA_DIR: dir, WAHOOK_HANDLERS: handlers };
  receive = createReceiveHandler(startReceiveContainer(env));
  process_ = createSqsHandler(startProcessContainer(env));
});
after(async () => {
  await sqs.close();
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sqsHandler: the server\'s pipeline for each SQS record', () => {
  test('records become events, statuses merge, handlers run; nothing fails', async () => {
    await post(envelope({ contacts: [{ wa_id: '111', profile: { name: 'Ann' } }], messages: [text('wamid.p1', '111', 100)] }));
    await post(envelope({ statuses: [status('wamid.p1', 'read', 130)] }));
    await post(envelope({ statuses: [status('wamid.p1', 'delivered', 120)] }));
    const r = await process_(drainQueue(), { getRemainingTimeInMillis: () => 60_000 });
    assert.deepEqual(r, { batchItemFailures: [] });
    const m = await query(async (q) => (await q.messages(10)).find((x) => x.messageId === 'wamid.p1'));
    assert.equal(m!.status, 'read', 'the highest rank, whatever the order');
    assert.deepEqual(m!.statusHistory.map((h) => h.status), ['delivered', 'read']);
    assert.equal((await query((q) => q.contacts(10))).find((c) => c.contact === '111')!.profileName, 'Ann');
    assert.deepEqual(readFileSync(join(dir, 'calls.txt'), 'utf8').trim().split('\n'), ['wamid.p1'], 'the handler ran for the message');
  });

  test('a record delivered again after its visibility timeout changes nothing the second time', async () => {
    const event = drainQueue();
    const before = await query((q) => q.stats());
    const again = await process_(event, { getRemainingTimeInMillis: () => 60_000 });
    assert.deepEqual(again.batchItemFailures, []);
    const after_ = await query((q) => q.stats());
    assert.equal(after_.events, before.events, 'no event inserted twice');
    assert.ok(after_.duplicates > before.duplicates, 'counted as duplicates');
    assert.deepEqual(readFileSync(join(dir, 'calls.txt'), 'utf8').trim().split('\n'), ['wamid.p1'], 'no job for a duplicate');
    assert.equal((await query((q) => q.messages(10))).find((x) => x.messageId === 'wamid.p1')!.status, 'read');
  });

  test('only the records that failed are reported; a record that is not a delivery is one of them, never dropped', async () => {
    await post(envelope({ messages: [text('wamid.ok', '222', 200)] }));
    const event = drainQueue();
    const last = event.Records.at(-1)!;
    event.Records.push({ ...last, messageId: 'poison-1', body: 'Test message.' });
    event.Records.push({ ...last, messageId: 'poison-2', body: JSON.stringify({ v: 1, tenant: 'default', provider: 'cloud_api', receivedAt: 1, headers: {}, s3: { bucket: BUCKET, key: 'missing', sha256: '00', bytes: 1 } }) });
    const r = await process_(event, { getRemainingTimeInMillis: () => 60_000 });
    assert.deepEqual(r.batchItemFailures.map((f) => f.itemIdentifier), ['poison-1', 'poison-2']);
    assert.ok((await query((q) => q.events({}))).some((e) => e.messageId === 'wamid.ok'), 'the good records of the batch were processed');
  });

  test('FIFO: a failed record fails the later records of its message group only, which are not stored ahead of it', async () => {
    await post(envelope({ messages: [text('wamid.fifo-after', '441', 401, 'after the failed one')] }));
    const after = sqs.messages(QUEUE).at(-1)!.body;
    await post(envelope({ messages: [text('wamid.fifo-other', '442', 402, 'another group')] }));
    const other = sqs.messages(QUEUE).at(-1)!.body;
    const event = sqsEventFor('lambda/sqs-fifo.json', [
      { id: 'g1-bad', body: 'Test message.', groupId: 'g1' },
      { id: 'g1-after', body: after, groupId: 'g1' },
      { id: 'g2-ok', body: other, groupId: 'g2' },
    ]);
    const r = await process_(event);
    assert.deepEqual(r.batchItemFailures.map((f) => f.itemIdentifier), ['g1-bad', 'g1-after']);
    const ids = (await query((q) => q.events({}))).map((e) => e.messageId);
    assert.ok(ids.includes('wamid.fifo-other'), 'the other group went on');
    assert.ok(!ids.includes('wamid.fifo-after'), 'the failed group\'s later record waits for it, unstored');
  });

  test('a 3 MB delivery is read back from S3 and processed', async () => {
    await post(envelope({ messages: [text('wamid.big', '333', 300, 'b'.repeat(3 * 1024 * 1024))] }));
    const m = sqs.messages(QUEUE).at(-1)!;
    assert.ok(m.body.includes('"s3"'));
    const r = await process_(sqsEventFor('lambda/sqs-standard-attributes.json', [{ id: m.id, body: m.body }]));
    assert.deepEqual(r.batchItemFailures, []);
    const e = (await query((q) => q.events({ newestFirst: true, limit: 1 })))[0]!;
    assert.equal(e.messageId, 'wamid.big');
    assert.equal((e.text as string).length, 3 * 1024 * 1024);
  });

  test('media downloads, which only serve and wahook worker run, are not queued as jobs that would fail every attempt', async () => {
    const c = await startProcessContainer({ ...env, WAHOOK_ACCESS_TOKEN: 'graph-token' });
    try {
      assert.equal(c.config.media.enabled, true, 'an access token turns media on');
      assert.deepEqual(c.targets.specs.map((t) => t.name), ['handler']);
    } finally {
      await c.stores.close();
    }
  });

  test('a job starts only while its whole timeout fits before the function\'s; one that cannot fit keeps the bare reserve', () => {
    assert.equal(jobReserve(29_000, 20_000), 22_000);
    assert.equal(jobReserve(10_000, 60_000), 2_000);
    assert.equal(jobReserve(Number.POSITIVE_INFINITY, 60_000), 62_000);
  });

  test('a container that cannot start returns every record as failed', async () => {
    const broken = createSqsHandler(startProcessContainer({ WAHOOK_APP_SECRET: SECRET }));
    const r = await broken(sqsEventFor('lambda/sqs-standard-attributes.json', [{ id: 'a', body: 'x' }, { id: 'b', body: 'y' }]));
    assert.deepEqual(r.batchItemFailures, [{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }]);
  });

  test('a scheduled event (EventBridge, no records) runs the jobs that are due, also when no delivery comes', async () => {
    await post(envelope({ messages: [text('wamid.sched', '222', 200)] }));
    const calls = (): string[] => readFileSync(join(dir, 'calls.txt'), 'utf8').trim().split('\n');
    // Too little time left for any job: the record is stored, its job waits.
    const m = sqs.messages(QUEUE).at(-1)!;
    const r = await process_(sqsEventFor('lambda/sqs-standard-attributes.json', [{ id: m.id, body: m.body }]), { getRemainingTimeInMillis: () => 1_000 });
    assert.deepEqual(r, { batchItemFailures: [] });
    assert.ok(!calls().includes('wamid.sched'));
    const tick = await process_(loadFixture('lambda/eventbridge-schedule.json') as SqsEventLike, { getRemainingTimeInMillis: () => 60_000 });
    assert.deepEqual(tick, { batchItemFailures: [] });
    assert.ok(calls().includes('wamid.sched'), 'the scheduled run ran it');
  });
});
