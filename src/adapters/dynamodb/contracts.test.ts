import { after, before } from 'node:test';
import { deliveryLogContract, deliveryLogFixture } from '../../../test/contracts/delivery-log.contract.js';
import { pipelineStoresContract } from '../../../test/contracts/pipeline-stores.contract.js';
import { telemetryStoreContract } from '../../../test/contracts/telemetry-store.contract.js';
import { startDynamo, type LocalDynamo } from '../../../test/helpers/aws-local.js';
import { Ddb } from './ddb.js';
import { createTables, dynamodbEngine } from './index.js';

/** The same contract suites as every engine, against dynalite (a DynamoDB-compatible server) on a free loopback port; each fixture gets its own tables. */
let dynamo: LocalDynamo;
let n = 0;

before(async () => {
  dynamo = await startDynamo();
});
after(async () => {
  await dynamo.close();
});

async function freshEngine() {
  const prefix = `t${process.pid}-${n++}-`;
  await createTables(await Ddb.open(), prefix);
  return dynamodbEngine({ tablePrefix: prefix, deliveryRetentionDays: 30 });
}

deliveryLogContract('dynamodb', async () => {
  const engine = await freshEngine();
  return deliveryLogFixture(() => engine.openDeliveryStore(), () => engine.openDeliveryLog(), async () => {});
});

pipelineStoresContract('dynamodb', async () => {
  const engine = await freshEngine();
  return { open: () => engine.openPipelineStores(), openQuery: () => engine.openEventQuery(), dispose: async () => {} };
});

telemetryStoreContract('dynamodb', async () => {
  const store = await (await freshEngine()).openTelemetryStore();
  return { store, dispose: () => store.close() };
});
