import { rmSync } from 'node:fs';
import { deliveryLogContract, deliveryLogFixture } from '../../../test/contracts/delivery-log.contract.js';
import { mediaIndexContract } from '../../../test/contracts/media-index.contract.js';
import { pipelineStoresContract } from '../../../test/contracts/pipeline-stores.contract.js';
import { retentionContract } from '../../../test/contracts/retention.contract.js';
import { telemetryStoreContract } from '../../../test/contracts/telemetry-store.contract.js';
import { tempDir } from '../../../test/helpers/gateway.js';
import { sqliteEngine } from './index.js';

const engineIn = (dir: string, writerThread: boolean) => sqliteEngine({ dataDir: dir, busyTimeoutMs: 1000, writerThread });

for (const writerThread of [false, true]) {
  deliveryLogContract(`sqlite, ${writerThread ? 'writer thread' : 'inline writer'}`, async () => {
    const dir = tempDir('wahook-contract-');
    const engine = engineIn(dir, writerThread);
    return deliveryLogFixture(() => engine.openDeliveryStore(), () => engine.openDeliveryLog(), async () => rmSync(dir, { recursive: true, force: true }));
  });
}

pipelineStoresContract('sqlite', async () => {
  const dir = tempDir('wahook-contract-');
  const engine = engineIn(dir, false);
  return {
    open: () => engine.openPipelineStores(),
    openQuery: () => engine.openEventQuery(),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

telemetryStoreContract('sqlite', async () => {
  const dir = tempDir('wahook-contract-');
  const store = await engineIn(dir, false).openTelemetryStore();
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

mediaIndexContract('sqlite', async () => {
  const dir = tempDir('wahook-contract-');
  const engine = engineIn(dir, false);
  return {
    open: () => engine.openMediaIndex!(),
    openPipeline: () => engine.openPipelineStores(),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

retentionContract('sqlite', async () => {
  const dir = tempDir('wahook-contract-');
  return { engine: engineIn(dir, false), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
});
