import { GatewayError } from '../../core/errors.js';
import type { Engine, PipelineStores } from '../../ports/engine.js';
import { Ddb } from './ddb.js';
import { DynamoEventQuery } from './event-query.js';
import { DynamoEventStore } from './event-store.js';
import { DynamoJobQueue } from './job-queue.js';
import { tableNames } from './tables.js';
import { DynamoTelemetryStore } from './telemetry-store.js';

export { createTables, TABLES, tableNames } from './tables.js';

const needsQueue = (): never => {
  throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', 'Invalid config key "queueUrl": the DynamoDB engine keeps events, jobs and telemetry; deliveries go to a queue (WAHOOK_QUEUE_URL=sqs://…)');
};

/**
 * DynamoDB for events, jobs and telemetry: the store a fleet of Lambdas
 * writes to concurrently without a connection each. The delivery log is a
 * queue (SQS), chosen apart in the composition root.
 */
export function dynamodbEngine(o: { tablePrefix: string }): Engine {
  const t = tableNames(o.tablePrefix);
  return {
    name: 'dynamodb',
    openDeliveryStore: async () => needsQueue(),
    openDeliveryLog: async () => needsQueue(),
    async openPipelineStores(): Promise<PipelineStores> {
      const ddb = await Ddb.open();
      const jobs = new DynamoJobQueue(ddb, t);
      return { events: new DynamoEventStore(ddb, t, jobs), jobs, close: async () => {} };
    },
    openEventQuery: async () => new DynamoEventQuery(await Ddb.open(), t),
    openTelemetryStore: async () => new DynamoTelemetryStore(await Ddb.open(), t),
  };
}
