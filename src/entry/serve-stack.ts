import type { Config } from '../config/load.js';
import { createEngine } from '../compose.js';
import { createAdminData } from '../dashboard/admin-data.js';
import { defaultPrices } from '../planner/shipped-prices.js';
import { EdgeActivity } from '../pipeline/pacing.js';
import { TelemetryHub } from '../telemetry/hub.js';
import { rollupSaver } from '../telemetry/rollup-saver.js';
import { createAdminHandler } from './admin.js';
import { serveCommand } from './cli/serve.js';
import { isEdgeProcess } from './cluster.js';
import { joinGatewayTelemetry } from './cluster-telemetry.js';
import { openReadStores } from './engine-session.js';
import { createLogger } from './logger.js';
import { startStoreSampler } from './store-sampler.js';
import { startWorkerThread } from './worker-host.js';

/**
 * Composition of `wahook serve`: the edge, the worker thread, telemetry and
 * the admin routes (dashboard, API, metrics). A receiving process of
 * `serve --processes N` saves no rollups and answers with the whole
 * gateway's figures: the primary merges them (see cluster.ts).
 */
export async function startServe(config: Config, err: (s: string) => void): Promise<number> {
  let hub: TelemetryHub | undefined;
  const logger = createLogger(config.logLevel, undefined, (bytes) => hub?.logged(bytes));
  const telemetryStore = await createEngine(config).openTelemetryStore();
  const rollups = rollupSaver(telemetryStore, config.telemetryRetentionDays, (e) => logger.warn({ err: e }, 'telemetry rollup not saved'));
  const inCluster = isEdgeProcess();
  hub = new TelemetryHub(inCluster ? () => {} : rollups.save);
  const gateway = inCluster ? joinGatewayTelemetry(hub) : undefined;
  const read = await openReadStores(config);
  // Where the engine keeps no media state the panel says media is off; refusing that is the worker's to do, not the edge's.
  const media = config.media.enabled ? await createEngine(config).openMediaIndex?.() : undefined;
  const sampler = startStoreSampler(config);
  const admin = createAdminData({ log: read.log, query: read.query, jobs: read.pipeline.jobs, telemetry: telemetryStore, ...(media ? { media } : {}) }, gateway?.source ?? hub, defaultPrices(), () => sampler.sample());
  hub.start();
  // The worker thread eases off while the edge takes webhooks (see EdgeActivity).
  const activity = new EdgeActivity();
  return serveCommand(config, logger, err, {
    telemetry: {
      edge: (o) => {
        if (o.route === 'webhook') activity.note();
        hub.edge(o);
      },
    },
    extra: createAdminHandler({ config, data: admin }),
    start: async (c, log) => (c.worker.enabled ? startWorkerThread(c, log, (m) => hub.worker(m), activity.shared) : undefined),
    stop: async () => {
      // What this process counted last goes to the primary before it leaves the cluster.
      await gateway?.leave();
      hub.flush();
      // The last minute's rollup is saved before the store closes.
      await rollups.settled();
      await sampler.close();
      await read.close();
      await media?.close();
      await telemetryStore.close();
    },
  });
}
