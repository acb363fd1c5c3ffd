import type { DeliveryStore } from '../../ports/delivery-log.js';
import type { DeliveryStoreHooks, Engine, PipelineStores } from '../../ports/engine.js';
import { watchDiskReserve, withDiskReserve } from '../fs/disk-reserve.js';
import { SqliteDeliveryLog } from './delivery-log.js';
import { SqliteDeliveryStore } from './delivery-store.js';
import { SqliteEventQuery } from './event-query.js';
import { SqliteEventStore } from './event-store.js';
import { openEventsDb } from './events-db.js';
import { SqliteJobQueue } from './job-queue.js';
import { SqliteMediaIndex } from './media-index.js';
import { SqliteRetention } from './retention.js';
import { SqliteTelemetryStore } from './telemetry-store.js';

export interface SqliteEngineOptions {
  /** Absolute path of the data dir. */
  readonly dataDir: string;
  /** How long the edge's commit waits for a lock another process holds. */
  readonly busyTimeoutMs: number;
  /** Commit deliveries in a writer thread rather than on the event loop. */
  readonly writerThread: boolean;
  /** Free space kept on the data dir's filesystem: below it deliveries are refused (503); 0 keeps none. */
  readonly minFreeBytes?: number;
}

const MB = 1024 * 1024;

async function openGuardedStore(o: SqliteEngineOptions, hooks: DeliveryStoreHooks): Promise<DeliveryStore> {
  const store = await SqliteDeliveryStore.open({ dataDir: o.dataDir, busyTimeoutMs: o.busyTimeoutMs, onCommit: hooks.onCommit, thread: o.writerThread, serving: true });
  const min = o.minFreeBytes ?? 0;
  if (min <= 0) return store;
  const reserve = watchDiskReserve({
    dir: o.dataDir,
    minFreeBytes: min,
    onChange: (short, free) =>
      hooks.onWarning?.(
        short
          ? `The data dir's filesystem has ${(free / MB).toFixed(1)} MB free, less than the ${min / MB} MB reserve (storeMinFreeMb): deliveries are answered 503 WAHOOK_ERR_DISK_FULL and /readyz is not ready until space is freed`
          : `The data dir's filesystem has ${(free / MB).toFixed(1)} MB free again, above the ${min / MB} MB reserve (storeMinFreeMb): deliveries are accepted again`,
      ),
  });
  return withDiskReserve(store, reserve);
}

/** The embedded default: SQLite files in the data dir, nothing else to run. */
export function sqliteEngine(o: SqliteEngineOptions): Engine {
  return {
    name: 'sqlite',
    openDeliveryStore: (hooks = {}) => openGuardedStore(o, hooks),
    openDeliveryLog: async () => new SqliteDeliveryLog(o.dataDir),
    async openPipelineStores(): Promise<PipelineStores> {
      // One connection for both, so a job's state and the lane it heads change in one transaction.
      const db = openEventsDb(o.dataDir);
      return { events: new SqliteEventStore(db), jobs: new SqliteJobQueue(db), close: async () => { db.close(); } };
    },
    openEventQuery: async () => new SqliteEventQuery(openEventsDb(o.dataDir), true),
    openTelemetryStore: async () => new SqliteTelemetryStore(o.dataDir),
    openMediaIndex: async () => new SqliteMediaIndex(openEventsDb(o.dataDir), true),
    openRetention: async () => new SqliteRetention(o.dataDir),
  };
}
