import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { startProcessContainer, startReceiveContainer } from '../../src/entry/lambda/container.js';
import { createSqsHandler } from '../../src/entry/lambda/process.js';
import { createReceiveHandler } from '../../src/entry/lambda/receive.js';
import { buildLambda } from '../../src/entry/cli/build-lambda.js';
import { startDynamo, startS3, startSqs, type LocalDynamo, type LocalS3 } from '../helpers/aws-local.js';
import { SECRET, tempDir } from '../helpers/gateway.js';
import { eventFor, sqsEventFor } from '../helpers/lambda-events.js';
import { invokeUnpacked, unpack } from '../helpers/lambda-zip.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import type { SqsDouble } from '../helpers/sqs-double.js';
import { createDynamoTables } from '../helpers/dynamo-engine.js';

let sqs: SqsDouble;
let s3: LocalS3;
let dynamo: LocalDynamo;
const BUCKET = 'dynamo-large';

before(async () => {
  sqs = await startSqs();
  s3 = await startS3([BUCKET]);
  dynamo = await startDynamo();
});
after(async () => {
  await sqs.close();
  await s3.close();
  await dynamo.close();
});

/** The whole Lambda deployment on local endpoints: a function URL event in, SQS, the processing function, DynamoDB. */
test('receive, queue, process into DynamoDB; a redelivered batch changes nothing', async () => {
  const prefix = 'e2e-';
  await createDynamoTables(prefix);
  const env = { WAHOOK_APP_SECRET: SECRET, WAHOOK_QUEUE_URL: sqs.createQueue('dyn'), WAHOOK_LARGE_DELIVERY_BUCKET: BUCKET, WAHOOK_DYNAMODB_TABLE_PREFIX: prefix, AWS_LAMBDA_FUNCTION_NAME: 'wahook' };
  const receive = createReceiveHandler(startReceiveContainer(env));
  const process_ = createSqsHandler(startProcessContainer(env));
  for (const id of ['wamid.d1', 'wamid.d2']) {
    const body = cloudTextBody(id, id);
    assert.equal((await receive(eventFor('http-api', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body }))).statusCode, 200);
  }
  const event = sqsEventFor('lambda/sqs-standard-attributes.json', sqs.messages('dyn').map((m) => ({ id: m.id, body: m.body })));
  assert.deepEqual(await process_(event), { batchItemFailures: [] });
  assert.deepEqual(await process_(event), { batchItemFailures: [] });
  const q = await createEngine(loadConfig({ env })).openEventQuery();
  assert.deepEqual((await q.events({ kind: 'message' })).map((e) => e.messageId), ['wamid.d1', 'wamid.d2']);
  const stats = await q.stats();
  assert.equal(stats.events, 2);
  assert.equal(stats.duplicates, 2);
});

test('the processing zip, alone in a fresh process, writes its events to DynamoDB and runs the handlers bundled into it', async () => {
  const out = tempDir('wahook-build-dyn-');
  const calls = join(out, 'calls.txt');
  const handlers = join(out, 'my-handlers.mjs');
  writeFileSync(handlers, `import { appendFileSync } from 'node:fs';\nexport async function message(e) { appendFileSync(${JSON.stringify(calls)}, e.messageId + '\\n'); }\n`);
  const [, processZip] = await buildLambda({ outDir: out, handlers });
  const prefix = 'zip-';
  await createDynamoTables(prefix);
  const queue = sqs.createQueue('zip');
  const receive = createReceiveHandler(startReceiveContainer({ WAHOOK_APP_SECRET: SECRET, WAHOOK_QUEUE_URL: queue }));
  const body = cloudTextBody('bundled', 'wamid.zip1');
  await receive(eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body }));
  const m = sqs.messages('zip')[0]!;
  const env = {
    WAHOOK_QUEUE_URL: queue, WAHOOK_DYNAMODB_TABLE_PREFIX: prefix, AWS_LAMBDA_FUNCTION_NAME: 'process', WAHOOK_HANDLERS: './handlers.mjs',
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  };
  const r = await invokeUnpacked(unpack(processZip!.zipPath), sqsEventFor('lambda/sqs-fifo.json', [{ id: m.id, body: m.body }]), env);
  assert.deepEqual(r, { batchItemFailures: [] });
  const q = await createEngine(loadConfig({ env })).openEventQuery();
  assert.deepEqual((await q.events({})).map((e) => e.messageId), ['wamid.zip1']);
  assert.equal(readFileSync(calls, 'utf8'), 'wamid.zip1\n', 'the bundled handler ran in the function');
});
