import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { startReceiveContainer } from '../../src/entry/lambda/container.js';
import { createReceiveHandler } from '../../src/entry/lambda/receive.js';
import { startS3, startSqs, type LocalS3 } from '../helpers/aws-local.js';
import { SECRET, tempDir } from '../helpers/gateway.js';
import { eventFor } from '../helpers/lambda-events.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { spawnWahook } from '../helpers/process.js';
import type { SqsDouble } from '../helpers/sqs-double.js';

let sqs: SqsDouble;
let s3: LocalS3;
let dir: string;

before(async () => {
  sqs = await startSqs();
  s3 = await startS3(['hybrid-large']);
  dir = tempDir('wahook-hybrid-');
});
after(async () => {
  await sqs.close();
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Lambda receives, a dedicated `wahook worker --queue sqs://…` processes: deleted only once the events are committed. */
test('wahook worker --queue consumes what the receiving function queued, deletes each message after its commit, and stops on SIGTERM', async () => {
  const queue = sqs.createQueue('hybrid');
  const receive = createReceiveHandler(startReceiveContainer({ WAHOOK_APP_SECRET: SECRET, WAHOOK_QUEUE_URL: queue, WAHOOK_LARGE_DELIVERY_BUCKET: 'hybrid-large' }));
  const ids = ['wamid.h1', 'wamid.h2', 'wamid.h3'];
  for (const id of ids) {
    const body = cloudTextBody(id, id);
    assert.equal((await receive(eventFor('http-api', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body }))).statusCode, 200);
  }
  const big = cloudTextBody('w'.repeat(2 * 1024 * 1024), 'wamid.hbig');
  assert.equal((await receive(eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(big, SECRET), rawBody: big }, { base64: true }))).statusCode, 200);
  assert.equal(sqs.messages('hybrid').length, 4);

  const worker = spawnWahook(['worker', '--queue', queue, '--data-dir', dir, '--large-delivery-bucket', 'hybrid-large'], {
    WAHOOK_APP_SECRET: SECRET, WAHOOK_QUEUE_WAIT_SECONDS: '1', WAHOOK_LOG_LEVEL: 'warn',
    AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
  const deadline = Date.now() + 20_000;
  while (sqs.messages('hybrid').length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(sqs.messages('hybrid').length, 0, `the queue drained; worker stderr: ${worker.stderr()}`);
  assert.ok((sqs.calls.get('DeleteMessageBatch') ?? 0) >= 1);

  const q = await createEngine(loadConfig({ env: { WAHOOK_DATA_DIR: dir } })).openEventQuery();
  const events = await q.events({ kind: 'message' });
  await q.close();
  assert.deepEqual(events.map((e) => e.messageId).sort(), [...ids, 'wamid.hbig'].sort());

  worker.child.kill('SIGTERM');
  const exit = await Promise.race([worker.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  assert.deepEqual(exit, { code: 0, signal: null }, `the worker stops within its long-poll wait; stderr: ${worker.stderr()}`);
});
