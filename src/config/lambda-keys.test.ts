import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from './load.js';

const QUEUE = 'sqs://sqs.eu-west-1.amazonaws.com/123456789012/wahook';
const code = (e: unknown): string => (e as { code: string }).code;

test('queue, bucket and table prefix from the environment; a table prefix selects DynamoDB, with or without a queue; raw deliveries\' retention', () => {
  const c = loadConfig({ env: { WAHOOK_QUEUE_URL: QUEUE, WAHOOK_LARGE_DELIVERY_BUCKET: 'big', WAHOOK_DYNAMODB_TABLE_PREFIX: 'prod-' } });
  assert.deepEqual([c.engine, c.queueUrl, c.largeDeliveryBucket, c.dynamodbTablePrefix, c.queueWaitSeconds], ['dynamodb', QUEUE, 'big', 'prod-', 5]);
  assert.equal(loadConfig({ flags: { queue: QUEUE }, env: {} }).engine, 'sqlite', 'a queue alone keeps the engine');
  const direct = loadConfig({ env: { WAHOOK_DYNAMODB_TABLE_PREFIX: 'prod-', WAHOOK_RETENTION_DELIVERIES_DAYS: '7' } });
  assert.deepEqual([direct.engine, direct.queueUrl, direct.retention.deliveriesDays], ['dynamodb', undefined, 7], 'deliveries straight into DynamoDB');
  assert.equal(loadConfig({ env: {} }).retention.deliveriesDays, 30);
  assert.throws(() => loadConfig({ env: { WAHOOK_RETENTION_DELIVERIES_DAYS: '-1' } }), (e) => code(e) === 'WAHOOK_ERR_CONFIG_INVALID' && /retention.deliveriesDays/.test((e as Error).message));
  assert.throws(() => loadConfig({ env: { WAHOOK_ENGINE: 'dynamodb', WAHOOK_QUEUE_URL: QUEUE } }), (e) => /dynamodbTablePrefix/.test((e as Error).message));
  assert.throws(() => loadConfig({ env: { WAHOOK_QUEUE_URL: 'amqp://broker/q' } }), (e) => code(e) === 'WAHOOK_ERR_CONFIG_INVALID' && /queueUrl/.test((e as Error).message));
  assert.throws(() => loadConfig({ env: { WAHOOK_QUEUE_WAIT_SECONDS: '30' } }), (e) => /queueWaitSeconds/.test((e as Error).message));
});
