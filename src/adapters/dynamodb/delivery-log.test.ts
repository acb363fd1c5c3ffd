import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDynamo, type LocalDynamo } from '../../../test/helpers/aws-local.js';
import type { NewDelivery } from '../../core/delivery.js';
import { START } from '../../ports/delivery-log.js';
import { Ddb, num, updateOf } from './ddb.js';
import { logKey, SEQ_KEY } from './delivery-items.js';
import { DynamoDeliveryLog } from './delivery-log.js';
import { createTables, dynamodbEngine, tableNames } from './index.js';

let dynamo: LocalDynamo;
let n = 0;
before(async () => {
  dynamo = await startDynamo();
});
after(() => dynamo.close());

const delivery = (t: string, receivedAt = 1_800_000_000_000): NewDelivery => ({
  tenant: 'default', provider: 'cloud_api', receivedAt, body: Buffer.from(`{"object":"whatsapp_business_account","entry":[],"t":"${t}"}`), headers: { 'content-type': 'application/json' },
});
const texts = (ds: readonly { body: Buffer }[]): string[] => ds.map((d) => (JSON.parse(d.body.toString()) as { t: string }).t);

async function fresh(retentionDays = 30) {
  const prefix = `dl${process.pid}-${n++}-`;
  const ddb = await Ddb.open();
  await createTables(ddb, prefix);
  return { ddb, table: tableNames(prefix).deliveries, engine: dynamodbEngine({ tablePrefix: prefix, deliveryRetentionDays: retentionDays }) };
}

test('a number taken by a writer that never wrote stops the reader for the grace period only; a writer later than that takes a new number and is still read', async () => {
  const { ddb, table, engine } = await fresh();
  const store = await engine.openDeliveryStore();
  await store.append(delivery('one'));
  // A writer takes number 2 and dies before writing it.
  await ddb.update(table, SEQ_KEY, updateOf({}, { add: { v: 1 } }));
  await store.append(delivery('three'));
  const log = new DynamoDeliveryLog(ddb, table, { gapGraceMs: 150 });
  const first = await log.read(START, 10);
  assert.deepEqual(texts(first.deliveries), ['one'], 'held at the missing number');
  assert.deepEqual(texts((await log.read(first.next, 10)).deliveries), [], 'still within the grace period');
  await new Promise((r) => setTimeout(r, 200));
  const second = await log.read(first.next, 10);
  assert.deepEqual(texts(second.deliveries), ['three'], 'passed once marked a gap');
  // The next number is marked a gap before its writer writes it, as a reader does to a writer slower than the grace period.
  const next = num(await ddb.get(table, SEQ_KEY), 'v')! + 1;
  assert.equal(await ddb.put(table, { ...logKey(next), k: { S: 'gap' } }, true), true);
  const late = await store.append(delivery('late'));
  assert.equal(late.id, String(next + 1), 'the writer took another number');
  assert.deepEqual(texts((await log.read(second.next, 10)).deliveries), ['late']);
  await store.close();
});

test('a long run of missing numbers (deliveries the TTL deleted) is passed after one grace period, not one per number, and its markers expire', async () => {
  const { ddb, table, engine } = await fresh();
  const store = await engine.openDeliveryStore();
  await store.append(delivery('before'));
  // 250 numbers taken and never written, as if their deliveries had expired.
  await ddb.update(table, SEQ_KEY, updateOf({}, { add: { v: 250 } }));
  await store.append(delivery('after'));
  const log = new DynamoDeliveryLog(ddb, table, { gapGraceMs: 150, retentionDays: 7 });
  const first = await log.read(START, 10);
  assert.deepEqual(texts(first.deliveries), ['before']);
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  const second = await log.read(first.next, 10);
  assert.deepEqual(texts(second.deliveries), ['after'], 'the whole run passed in one read');
  assert.ok(Date.now() - started < 10_000);
  assert.equal(second.next, '252');
  const gap = await ddb.get(table, logKey(100));
  assert.equal(gap?.k?.S, 'gap');
  assert.ok(num(gap, 'expiresAt')! > Date.now() / 1000 + 6 * 86_400, 'a marker expires as a delivery would');
  await store.close();
});

test('each raw delivery and its digest carry expiresAt, the TTL attribute, at receipt plus the retention; a re-delivery keeps no second body', async () => {
  const { ddb, table, engine } = await fresh(7);
  const store = await engine.openDeliveryStore();
  const at = 1_800_000_000_000;
  const a = await store.append(delivery('kept', at));
  const b = await store.append(delivery('kept', at));
  assert.deepEqual([b.id, b.duplicate], [a.id, true]);
  const items = await ddb.query({ TableName: table, KeyConditionExpression: 'pk = :l', ExpressionAttributeValues: { ':l': { S: 'L' } } });
  assert.deepEqual(items.map((i) => [i.k?.S, num(i, 'expiresAt'), i.body === undefined]), [['d', at / 1000 + 7 * 86_400, false], ['dup', at / 1000 + 7 * 86_400, true]]);
  const digests = await ddb.send<{ Items: Record<string, { S?: string; N?: string }>[] }>((m) => new m.ScanCommand({ TableName: table, FilterExpression: 'begins_with(pk, :d)', ExpressionAttributeValues: { ':d': { S: 'D#' } } }));
  assert.deepEqual(digests.Items.map((i) => [i.id?.N, Number(i.expiresAt?.N)]), [[a.id, at / 1000 + 7 * 86_400]]);
  await store.close();
});

test('a body larger than a DynamoDB item can hold is refused with 413 before it joins a batch', async () => {
  const { engine } = await fresh();
  const store = await engine.openDeliveryStore();
  const big = { ...delivery('x'), body: Buffer.alloc(390_000, 32) };
  await assert.rejects(store.append(big), (e) => (e as { code: string }).code === 'WAHOOK_ERR_HTTP_BODY_TOO_LARGE');
  await store.close();
});
