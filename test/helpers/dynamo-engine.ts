import { after, before } from 'node:test';
import { Ddb } from '../../src/adapters/dynamodb/ddb.js';
import { createTables, dynamodbEngine } from '../../src/adapters/dynamodb/index.js';
import { startDynamo, type LocalDynamo } from './aws-local.js';

let n = 0;

/**
 * For a DynamoDB test file: dynalite on a free loopback port for the file's
 * tests, and engines on tables of their own (prefix `<tag><pid>-<n>-`).
 */
export function localDynamoEngines(tag: string): () => Promise<ReturnType<typeof dynamodbEngine>> {
  let dynamo: LocalDynamo;
  before(async () => {
    dynamo = await startDynamo();
  });
  after(async () => {
    await dynamo.close();
  });
  return async () => {
    const prefix = `${tag}${process.pid}-${n++}-`;
    await createDynamoTables(prefix);
    return dynamodbEngine({ tablePrefix: prefix, deliveryRetentionDays: 30 });
  };
}

/**
 * The engine's tables under `prefix`, as deploy/lambda/template.yaml makes
 * them in an account, on the endpoint the environment names. A test that
 * runs wahook through the composition root sets its tables up here.
 */
export async function createDynamoTables(prefix: string): Promise<void> {
  await createTables(await Ddb.open(), prefix);
}
