import type { Engine, PipelineStores } from '../../ports/engine.js';
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
}

/** The embedded default: SQLite files in the data dir, nothing else to run. */
export function sqliteEngine(o: SqliteEngineOptions): Engine {
  return {
    name: 'sqlite',
    openDeliveryStore: (hooks = {}) =>
      SqliteDeliveryStore.open({ dataDir: o.dataDir, busyTimeoutMs: o.busyTimeoutMs, onCommit: hooks.onCommit, thread: o.writerThread, serving: true }),
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
