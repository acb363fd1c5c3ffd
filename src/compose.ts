import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from './config/load.js';
import { postgresEngine } from './adapters/postgres/index.js';
import { sqliteEngine } from './adapters/sqlite/index.js';
import type { Engine } from './ports/engine.js';

/**
 * The composition root: the one place engines are chosen and adapters are
 * imported. Everything else receives ports. A new engine is an adapter
 * folder and one line in ENGINES.
 */
const ENGINES: Record<Config['engine'], (config: Config) => Engine & Partial<Migratable>> = {
  sqlite: (c) => sqliteEngine({ dataDir: resolve(c.dataDir), busyTimeoutMs: c.storeBusyTimeoutMs, writerThread: writerThread(c.storeWriter) }),
  postgres: (c) => postgresEngine({ url: c.databaseUrl!, schema: c.dbSchema, poolMax: c.dbPoolMax }),
};

/** An engine whose schema is migrated by `wahook migrate` rather than on open. */
export interface Migratable {
  migrate(): Promise<{ from: number; to: number }>;
}

/** @example const engine = createEngine(config); const log = await engine.openDeliveryLog(); */
export function createEngine(config: Config): Engine & Partial<Migratable> {
  return ENGINES[config.engine](config);
}

/**
 * A writer thread overlaps the next batch's HTTP work with this one's
 * commit, but every batch then crosses threads, which costs CPU. `serve`
 * already keeps two threads busy (the edge and the pipeline worker), so the
 * writer thread pays only with a core of its own: `auto` takes it from four
 * cores up (the measurements are in BENCHMARKS.md).
 */
export function writerThread(choice: Config['storeWriter'], cores = availableParallelism()): boolean {
  return choice === 'thread' || (choice === 'auto' && cores >= 4);
}
