import type { Config } from '../config/load.js';
import { createEngine } from '../compose.js';
import type { DeliveryLog } from '../ports/delivery-log.js';
import type { EventQuery } from '../ports/event-query.js';
import type { PipelineStores } from '../ports/engine.js';

/** The read and admin stores a CLI command or the dashboard uses, opened together and closed together. */
export interface ReadStores {
  readonly log: DeliveryLog;
  readonly query: EventQuery;
  readonly pipeline: PipelineStores;
  close(): Promise<void>;
}

export async function openReadStores(config: Config): Promise<ReadStores> {
  const engine = createEngine(config);
  const log = await engine.openDeliveryLog();
  const query = await engine.openEventQuery();
  const pipeline = await engine.openPipelineStores();
  return {
    log,
    query,
    pipeline,
    close: async () => {
      await pipeline.close();
      await query.close();
      await log.close();
    },
  };
}

/** Runs `fn` with the read stores open, and closes them whatever happens. */
export async function withReadStores<T>(config: Config, fn: (s: ReadStores) => Promise<T>): Promise<T> {
  const s = await openReadStores(config);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}
