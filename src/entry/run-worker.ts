import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { createEngine, openMediaStores } from '../compose.js';
import { startWorker, type WorkerHooks } from '../pipeline/worker.js';
import type { WorkerObservation } from '../ports/telemetry.js';

/** The hooks that turn a worker's progress into observations for telemetry (in its thread, or in the cluster's primary). */
export function observeWorker(observe: (m: WorkerObservation) => void): Pick<WorkerHooks, 'onDrain' | 'onJob'> {
  return {
    onDrain: (deliveries, inserted, duplicates, ms, byKind) => observe({ t: 'drain', deliveries, inserted, duplicates, byKind, ms }),
    onJob: (job, ok, ms) => observe({ t: 'job', target: job.target, kind: job.event.kind, ok, ms }),
  };
}

/** Opens the worker's stores from the configured engine, runs the worker, and closes them on stop. */
export async function runWorker(config: Config, logger: Logger, hooks: WorkerHooks = {}): Promise<{ stop(): Promise<void> }> {
  const engine = createEngine(config);
  const log = await engine.openDeliveryLog();
  const stores = await engine.openPipelineStores();
  const media = config.media.enabled ? await openMediaStores(config).catch(async (e: unknown) => {
    await stores.close();
    await log.close();
    throw e;
  }) : undefined;
  const retention = await engine.openRetention?.().catch(async (e: unknown) => {
    await media?.close();
    await stores.close();
    await log.close();
    throw e;
  });
  const closeAll = async (): Promise<void> => {
    await retention?.close();
    await media?.close();
    await stores.close();
    await log.close();
  };
  const worker = await startWorker(config, { log, events: stores.events, jobs: stores.jobs, ...(media ? { media } : {}), ...(retention ? { retention } : {}) }, logger, hooks).catch(async (e: unknown) => {
    await closeAll();
    throw e;
  });
  return {
    stop: async () => {
      await worker.stop();
      await closeAll();
    },
  };
}
