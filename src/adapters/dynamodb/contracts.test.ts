import { deliveryLogContract, deliveryLogFixture } from '../../../test/contracts/delivery-log.contract.js';
import { pipelineStoresContract } from '../../../test/contracts/pipeline-stores.contract.js';
import { telemetryStoreContract } from '../../../test/contracts/telemetry-store.contract.js';
import { localDynamoEngines } from '../../../test/helpers/dynamo-engine.js';

/** The same contract suites as every engine, against dynalite (a DynamoDB-compatible server) on a free loopback port; each fixture gets its own tables. */
const freshEngine = localDynamoEngines('t');

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
