import type { Engine, PipelineStores } from '../../ports/engine.js';
import { PostgresDeliveryLog } from './delivery-log.js';
import { postgresDeliveryStore } from './delivery-store.js';
import { PostgresEventQuery } from './event-query.js';
import { PostgresEventStore } from './event-store.js';
import { PostgresJobQueue } from './job-queue.js';
import { PostgresMediaIndex } from './media-index.js';
import { assertSchemaCurrent, migrate } from './migrate.js';
import { createPg, type PgOptions } from './pool.js';
import { PostgresRetention } from './retention.js';
import { PostgresTelemetryStore } from './telemetry-store.js';

export type { PgOptions } from './pool.js';

/** PostgreSQL for everything wahook keeps, shared by any number of edge and worker processes. */
export function postgresEngine(o: PgOptions): Engine & { migrate(): Promise<{ from: number; to: number }> } {
  const pool = createPg(o);
  /** Each store holds the shared pool until it is closed; a schema this wahook cannot use is refused first. */
  const open = async <T>(make: (pg: ReturnType<typeof pool.acquire>) => T): Promise<T> => {
    const pg = pool.acquire();
    try {
      await assertSchemaCurrent(pg);
    } catch (e) {
      await pg.release();
      throw e;
    }
    return make(pg);
  };
  return {
    name: 'postgres',
    openDeliveryStore: (hooks = {}) => open((pg) => postgresDeliveryStore(pg, hooks.onCommit)),
    openDeliveryLog: () => open((pg) => new PostgresDeliveryLog(pg)),
    openPipelineStores: () =>
      open((pg): PipelineStores => {
        const jobsPg = pool.acquire();
        return { events: new PostgresEventStore(pg), jobs: new PostgresJobQueue(jobsPg), close: async () => { await pg.release(); await jobsPg.release(); } };
      }),
    openEventQuery: () => open((pg) => new PostgresEventQuery(pg)),
    openTelemetryStore: () => open((pg) => new PostgresTelemetryStore(pg)),
    openMediaIndex: () => open((pg) => new PostgresMediaIndex(pg)),
    openRetention: () => open((pg) => new PostgresRetention(pg)),
    async migrate() {
      const pg = pool.acquire();
      try {
        return await migrate(pg);
      } finally {
        await pg.release();
      }
    },
  };
}
