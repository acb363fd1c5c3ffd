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
 * A writer thread overlaps the next batch's HTTP work with this one's
 * commit, but every batch then crosses threads, which costs CPU: on two
 * cores, under autocannon at 100 connections, 39-46 µs per request against
 * 29-34 committing on the event loop, and 104 against 63 at a steady
 * 5,000 requests/s. `serve` already keeps two threads busy (the edge and the
 * pipeline worker), so the writer thread pays only with a core of its own:
 * on two cores it won the peak only when the client left a core idle (3.55x
 * against 2.98x Express with the lean generator). `auto` therefore takes the
 * thread from four cores up.
 */
export function writerThread(choice: Config['storeWriter'], cores = availableParallelism()): boolean {
  return choice === 'thread' || (choice === 'auto' && cores >= 4);
}

export function createDeliveryReader(config: Config): DeliveryReader {
  return new SqliteDeliveryReader(resolve(config.dataDir));
}
