import { resolve } from 'node:path';
import type { Config } from '../config/load.js';
import { SqliteTelemetryStore } from '../adapters/sqlite/telemetry-store.js';
import { TelemetryHub } from '../telemetry/hub.js';
import { createAdminHandler } from './admin.js';
import { createAdminData } from './admin-data.js';
import { serveCommand } from './cli/serve.js';
import { createLogger } from './logger.js';
import { startWorkerThread } from './worker-host.js';
import { EdgeActivity } from '../pipeline/pacing.js';

/**
 * Composition of `wahook serve`: the edge, the worker thread, telemetry and
 * the admin routes (dashboard, API, metrics).
 */
export async function startServe(config: Config, err: (s: string) => void): Promise<number> {
  let hub: TelemetryHub | undefined;
  const logger = createLogger(config.logLevel, undefined, (bytes) => hub?.logged(bytes));
  const telemetryStore = new SqliteTelemetryStore(resolve(config.dataDir));
  hub = new TelemetryHub((r) => {
    try {
      telemetryStore.save(r, config.telemetryRetentionDays);
    } catch (e) {
      logger.warn({ err: e }, 'telemetry rollup not saved');
    }
  });
  const admin = createAdminData(config, hub, telemetryStore);
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
      hub.flush();
      await admin.close();
      telemetryStore.close();
    },
  });
}
