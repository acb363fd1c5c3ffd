import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { startReceiveContainer } from '../../src/entry/lambda/container.js';
import { createReceiveHandler } from '../../src/entry/lambda/receive.js';
import { drainOnce } from '../../src/pipeline/drain.js';
import { START } from '../../src/ports/delivery-log.js';
import { startDynamo, type LocalDynamo } from '../helpers/aws-local.js';
import { SECRET } from '../helpers/gateway.js';
import { eventFor } from '../helpers/lambda-events.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until } from '../helpers/pipeline.js';
import { dropSchema, postgres, testSchema } from '../helpers/services.js';
import { createDynamoTables } from '../helpers/dynamo-engine.js';

/** A receiving function with no queue in front: each delivery is written straight to the engine's own delivery log, and a worker turns it into events. */
let dynamo: LocalDynamo;
before(async () => {
  dynamo = await startDynamo();
});
after(() => dynamo.close());

const bodies = new Map<string, Buffer>();
/** The same bytes for the same id: the body carries a timestamp, and a re-delivery is the same bytes again. */
const webhook = (id: string) => {
  const body = bodies.get(id) ?? cloudTextBody(id, id);
  bodies.set(id, body);
  return eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body });
};

async function receiveAndDrain(env: Record<string, string>): Promise<void> {
  const receive = createReceiveHandler(startReceiveContainer({ ...env, WAHOOK_APP_SECRET: SECRET, AWS_LAMBDA_FUNCTION_NAME: 'receive' }));
  for (const id of ['wamid.direct1', 'wamid.direct2', 'wamid.direct1']) assert.equal((await receive(webhook(id))).statusCode, 200);
  const engine = createEngine(loadConfig({ env }));
  const log = await engine.openDeliveryLog();
  // On PostgreSQL a delivery becomes readable once no older transaction of the server is still open; other
  // tests' transactions on the same server may hold it back for a moment, never for long.
  let read = 0;
  await until(async () => (read = (await log.read(START, 10)).deliveries.length) >= 2, 15_000, 'both deliveries readable');
  assert.equal(read, 2, 'the re-delivery is stored once');
  assert.deepEqual(await log.edgeCounters().then((c) => [c.stored, c.duplicates]), [2, 1]);
  const stores = await engine.openPipelineStores();
  assert.equal((await drainOnce(log, stores.events, 100, [])).deliveries, 2);
  assert.equal((await drainOnce(log, stores.events, 100, [])).deliveries, 0, 'the checkpoint moved past them');
  const q = await engine.openEventQuery();
  assert.deepEqual((await q.events({ kind: 'message' })).map((e) => e.messageId).sort(), ['wamid.direct1', 'wamid.direct2']);
  await Promise.all([log.close(), stores.close(), q.close()]);
}

test('receiveHandler writes straight to DynamoDB when no queue is configured', async () => {
  const prefix = `direct${process.pid}-`;
  await createDynamoTables(prefix);
  await receiveAndDrain({ WAHOOK_DYNAMODB_TABLE_PREFIX: prefix });
});

const db = await postgres();
test('receiveHandler writes straight to PostgreSQL when no queue is configured', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const schema = testSchema();
  const env = { DATABASE_URL: db.value, WAHOOK_DB_SCHEMA: schema };
  try {
    await createEngine(loadConfig({ env })).migrate!();
    await receiveAndDrain(env);
  } finally {
    await dropSchema(db.value, schema);
  }
});
