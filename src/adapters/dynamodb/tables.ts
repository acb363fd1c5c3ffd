import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Ddb } from './ddb.js';

/**
 * The three tables, as deploy/lambda/template.yaml declares them (a test
 * keeps the two the same). Every table is `pk` + `sk`:
 * - events: an event (`E#tenant#key`), a message and its status history
 *   (`M#tenant#id`), a contact (`C#…`), a session (`S#…`), counters, the
 *   worker's checkpoint and the sequence; `byOrder` lists events by sequence,
 *   messages by time and contacts by last inbound time.
 * - jobs: one partition per lane (`L#target|conversation`): the lane item and
 *   its jobs, oldest first; `ready` lists lanes by due time, `dead` the dead letters.
 * - telemetry: one item per minute, with a TTL.
 * - deliveries: the delivery log of a receiving function with no queue in
 *   front, with a TTL on raw deliveries (delivery-items.ts).
 */
export interface TableNames {
  readonly events: string;
  readonly jobs: string;
  readonly telemetry: string;
  readonly deliveries: string;
}

export function tableNames(prefix: string): TableNames {
  return { events: `${prefix}events`, jobs: `${prefix}jobs`, telemetry: `${prefix}telemetry`, deliveries: `${prefix}deliveries` };
}

/** The tables whose items expire by their `expiresAt` attribute (epoch seconds). */
export const TTL_TABLES: readonly (keyof TableNames)[] = ['telemetry', 'deliveries'];

const key = [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] as const;
const index = (IndexName: string, hash: string, range: string) => ({
  IndexName, KeySchema: [{ AttributeName: hash, KeyType: 'HASH' as const }, { AttributeName: range, KeyType: 'RANGE' as const }], Projection: { ProjectionType: 'ALL' as const },
});

/** The definitions, keyed by the suffix of each table's name. */
export const TABLES: Record<keyof TableNames, Omit<CreateTableCommandInput, 'TableName'>> = {
  events: {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }, { AttributeName: 'gpk', AttributeType: 'S' }, { AttributeName: 'gsk', AttributeType: 'N' }],
    KeySchema: [...key],
    GlobalSecondaryIndexes: [index('byOrder', 'gpk', 'gsk')],
  },
  jobs: {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'rpk', AttributeType: 'S' }, { AttributeName: 'rsk', AttributeType: 'S' },
      { AttributeName: 'dpk', AttributeType: 'S' }, { AttributeName: 'dsk', AttributeType: 'N' },
    ],
    KeySchema: [...key],
    GlobalSecondaryIndexes: [index('ready', 'rpk', 'rsk'), index('dead', 'dpk', 'dsk')],
  },
  telemetry: {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [...key],
  },
  deliveries: {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [...key],
  },
};

/** Creates the tables (for local servers and tests; a deployment's template creates them). */
export async function createTables(ddb: Ddb, prefix: string): Promise<void> {
  const names = tableNames(prefix);
  for (const [k, def] of Object.entries(TABLES) as [keyof TableNames, (typeof TABLES)[keyof TableNames]][]) {
    await ddb.send((m) => new m.CreateTableCommand({ TableName: names[k], ...def }));
  }
  for (const k of TTL_TABLES) {
    try {
      await ddb.send((m) => new m.UpdateTimeToLiveCommand({ TableName: names[k], TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    } catch (e) {
      // Local servers (dynalite) have no TTL: telemetry deletes minutes past retention itself; old deliveries stay.
      if ((e as { name?: string }).name !== 'UnknownOperationException') throw e;
    }
  }
}
