import { rmSync } from 'node:fs';
import { deliveryLogContract } from '../../../test/contracts/delivery-log.contract.js';
import { mediaIndexContract } from '../../../test/contracts/media-index.contract.js';
import { pipelineStoresContract } from '../../../test/contracts/pipeline-stores.contract.js';
import { telemetryStoreContract } from '../../../test/contracts/telemetry-store.contract.js';
import { tempDir } from '../../../test/helpers/gateway.js';
import type { DeliveryStore } from '../../ports/delivery-log.js';
import { sqliteEngine } from './index.js';

const engineIn = (dir: string, writerThread: boolean) => sqliteEngine({ dataDir: dir, busyTimeoutMs: 1000, writerThread });

for (const writerThread of [false, true]) {
  deliveryLogContract(`sqlite, ${writerThread ? 'writer thread' : 'inline writer'}`, async () => {
    const dir = tempDir('wahook-contract-');
    const engine = engineIn(dir, writerThread);
    let store: DeliveryStore = await engine.openDeliveryStore();
    const writers: DeliveryStore[] = [];
    return {
      get store() {
        return store;
      },
      openLog: () => engine.openDeliveryLog(),
      reopenStore: async () => {
        await store.close();
        store = await engine.openDeliveryStore();
        return store;
      },
      openWriter: async () => {
        const w = await engine.openDeliveryStore();
        writers.push(w);
        return w;
      },
      dispose: async () => {
        for (const w of writers) await w.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
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
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
