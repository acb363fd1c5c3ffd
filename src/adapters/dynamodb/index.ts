import { GroupCommit } from '../../edge/group-commit.js';
import type { Engine, PipelineStores } from '../../ports/engine.js';
import { Ddb } from './ddb.js';
import { DynamoDeliveryLog } from './delivery-log.js';
import { DynamoDeliveryWriter } from './delivery-writer.js';
import { DynamoEventQuery } from './event-query.js';
import { DynamoEventStore } from './event-store.js';
import { DynamoJobQueue } from './job-queue.js';
import { tableNames } from './tables.js';
import { DynamoTelemetryStore } from './telemetry-store.js';

export { createTables, TABLES, tableNames } from './tables.js';

export interface DynamoEngineOptions {
  readonly tablePrefix: string;
  /** Days a raw delivery is kept before the table's TTL deletes it. */
  readonly deliveryRetentionDays: number;
  /** How long the log waits on a missing sequence number (a writer that died between taking it and writing). */
  readonly gapGraceMs?: number;
}

/**
 * DynamoDB for everything: the store a fleet of Lambdas writes to
 * concurrently without a connection each. Its delivery log takes the
 * deliveries a receiving function writes straight to it; with a queue
 * (SQS) configured, the queue is the delivery log instead, chosen in the
 * composition root.
 */
export function dynamodbEngine(o: DynamoEngineOptions): Engine {
  const t = tableNames(o.tablePrefix);
  return {
    name: 'dynamodb',
    openDeliveryStore: async (hooks = {}) => new GroupCommit(new DynamoDeliveryWriter(await Ddb.open(), t.deliveries, o.deliveryRetentionDays), hooks.onCommit),
    openDeliveryLog: async () => new DynamoDeliveryLog(await Ddb.open(), t.deliveries, { gapGraceMs: o.gapGraceMs ?? 15_000, retentionDays: o.deliveryRetentionDays }),
    async openPipelineStores(): Promise<PipelineStores> {
      const ddb = await Ddb.open();
      const jobs = new DynamoJobQueue(ddb, t);
      return { events: new DynamoEventStore(ddb, t, jobs), jobs, close: async () => {} };
    },
    openEventQuery: async () => new DynamoEventQuery(await Ddb.open(), t),
    openTelemetryStore: async () => new DynamoTelemetryStore(await Ddb.open(), t),
  };
}
