import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { createEngine } from '../compose.js';
import { startWorker, type WorkerHooks } from '../pipeline/worker.js';

/** Opens the worker's stores from the configured engine, runs the worker, and closes them on stop. */
export async function runWorker(config: Config, logger: Logger, hooks: WorkerHooks = {}): Promise<{ stop(): Promise<void> }> {
  const engine = createEngine(config);
  const log = await engine.openDeliveryLog();
  const stores = await engine.openPipelineStores();
  const worker = await startWorker(config, { log, events: stores.events, jobs: stores.jobs }, logger, hooks).catch(async (e: unknown) => {
    await stores.close();
    await log.close();
    throw e;
  });
  return {
    stop: async () => {
      await worker.stop();
      await stores.close();
      await log.close();
    },
  };
}
