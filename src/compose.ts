import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from './config/load.js';
import { SqliteDeliveryReader } from './adapters/sqlite/delivery-reader.js';
import { SqliteDeliveryStore } from './adapters/sqlite/delivery-store.js';
import type { DeliveryReader, DeliveryStore } from './ports/delivery-store.js';

/**
 * The one place engines are chosen. Today the embedded default (SQLite in
 * the data dir); PostgreSQL, Redis and SQS adapters plug in here by config.
 */
export function createDeliveryStore(config: Config, onCommit?: (rows: number, ms: number) => void): Promise<DeliveryStore> {
  return SqliteDeliveryStore.open({ dataDir: resolve(config.dataDir), busyTimeoutMs: config.storeBusyTimeoutMs, onCommit, thread: writerThread(config.storeWriter), serving: true });
}

/**
 * A writer thread overlaps the next batch's HTTP work with this one's commit,
 * which needs a core of its own. Measured on two cores, the event loop
 * committing itself did as well or better on every load (equal at 100
 * connections, 18-20% more requests at 10 connections and under autocannon,
 * 14% less CPU per request at a constant 5,000/s): with two cores the threads
 * only take turns, and each hand-off costs wake-ups. So `auto` takes the
 * thread from three cores up.
 */
export function writerThread(choice: Config['storeWriter'], cores = availableParallelism()): boolean {
  return choice === 'thread' || (choice === 'auto' && cores > 2);
}

export function createDeliveryReader(config: Config): DeliveryReader {
  return new SqliteDeliveryReader(resolve(config.dataDir));
}
