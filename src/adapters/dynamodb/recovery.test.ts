import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDynamoTables, localDynamoEngines } from '../../../test/helpers/dynamo-engine.js';
import { planIngest } from '../../pipeline/ingest-plan.js';
import type { StoredDelivery } from '../../ports/delivery-log.js';
import { Ddb } from './ddb.js';
import { DynamoEventQuery } from './event-query.js';
import { DynamoEventStore } from './event-store.js';
import { DynamoJobQueue } from './job-queue.js';
import { tableNames } from './tables.js';

// Starts dynalite for this file; the stores below are made by hand around a client that fails once on cue.
localDynamoEngines('r');
let n = 0;

const message = (id: string, from: string, text = id): StoredDelivery => {
  const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'w', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '1' }, messages: [{ from, id: `wamid.${id}`, timestamp: '5', type: 'text', text: { body: text } }] } }] }] }));
  return { id, tenant: 'default', provider: 'cloud_api', receivedAt: 1, bytes: body.length, headers: {}, body };
};

/** The real client, but the first call of `method` that `when` picks throws, as a throttled or timed-out write does. */
async function failingOnce(method: 'put' | 'update' | 'delete', when: (table: string, item: Record<string, { S?: string }>) => boolean): Promise<{ ddb: Ddb; failed: () => boolean }> {
  const real = await Ddb.open();
  let failed = false;
  const ddb = new Proxy(real, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop !== method || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return (table: string, item: Record<string, { S?: string }>, ...rest: unknown[]) => {
        if (!failed && when(table, item)) {
          failed = true;
          return Promise.reject(Object.assign(new Error('ProvisionedThroughputExceededException'), { name: 'ProvisionedThroughputExceededException' }));
        }
        return (v as Function).call(target, table, item, ...rest);
      };
    },
  });
  return { ddb, failed: () => failed };
}

async function stores(ddb: Ddb) {
  const prefix = `rec${process.pid}-${n++}-`;
  await createDynamoTables(prefix);
  const t = tableNames(prefix);
  const jobs = new DynamoJobQueue(ddb, t);
  return { t, jobs, events: new DynamoEventStore(ddb, t, jobs), healthy: { jobs: new DynamoJobQueue(await Ddb.open(), t) } };
}

test('an ingest that dies after writing an event but before its job leaves it open: the redelivery finishes it, and the job runs', async () => {
  const f = await failingOnce('put', (table, item) => table.endsWith('jobs') && item.sk?.S?.startsWith('J#') === true);
  const s = await stores(f.ddb);
  const batch = [message('open1', '100')];
  await assert.rejects(s.events.ingest(planIngest(batch, [{ name: 'handler' }])), /ProvisionedThroughput/);
  assert.ok(f.failed());
  const again = await s.events.ingest(planIngest(batch, [{ name: 'handler' }]));
  assert.deepEqual([again.inserted, again.duplicates], [1, 0], 'finished, not taken for a duplicate');
  const claimed = await s.healthy.jobs.claim(Date.now(), 10, 60_000);
  assert.deepEqual(claimed.map((j) => j.event.key.includes('open1')), [true], 'its job is queued and reachable');
  const third = await s.events.ingest(planIngest(batch, [{ name: 'handler' }]));
  assert.deepEqual([third.inserted, third.duplicates], [0, 1], 'once finished, a duplicate like any other');
});

test('a job written by an ingest that died before making its lane gets one when the delivery comes again', async () => {
  const f = await failingOnce('put', (table, item) => table.endsWith('jobs') && item.sk?.S === 'LANE');
  const s = await stores(f.ddb);
  const batch = [message('lane1', '200')];
  await assert.rejects(s.events.ingest(planIngest(batch, [{ name: 'handler' }])));
  assert.deepEqual(await s.healthy.jobs.claim(Date.now(), 10, 60_000), [], 'no lane: nothing can claim it yet');
  await s.events.ingest(planIngest(batch, [{ name: 'handler' }]));
  assert.equal((await s.healthy.jobs.claim(Date.now(), 10, 60_000)).length, 1);
});

test('a lane whose finished head was never moved on (its worker died in between) is moved on by the next claim, so the conversation goes on', async () => {
  const f = await failingOnce('update', (table, key) => table.endsWith('jobs') && key.pk?.S === 'COUNTS');
  const s = await stores(await Ddb.open());
  // Two messages of one conversation: two jobs in one lane, the second behind the first.
  await s.events.ingest(planIngest([message('first', '300'), message('second', '300')], [{ name: 'handler' }]));
  const dying = new DynamoJobQueue(f.ddb, s.t);
  const [first] = await dying.claim(Date.now(), 10, 1_000);
  assert.ok(first?.event.key.includes('first'));
  await assert.rejects(dying.complete(first!), /ProvisionedThroughput/, 'the job row is gone, the lane still names it');
  const later = Date.now() + 2_000;
  const [next] = await s.healthy.jobs.claim(later, 10, 60_000);
  assert.equal(next, undefined, 'the claim that finds the finished head moves the lane on instead');
  const [second] = await s.healthy.jobs.claim(later, 10, 60_000);
  assert.ok(second?.event.key.includes('second'), 'and the conversation\'s next job is claimed');
});

test('a worker that finishes after its lease ran out does not start the conversation\'s next job beside the one another worker took over', async () => {
  const s = await stores(await Ddb.open());
  await s.events.ingest(planIngest([message('slow', '400'), message('next', '400')], [{ name: 'handler' }]));
  const t0 = Date.now();
  const [late] = await s.jobs.claim(t0, 10, 1_000);
  assert.ok(late?.event.key.includes('slow'));
  // A's lease runs out (a frozen Lambda); B takes the same job over.
  const [again] = await s.healthy.jobs.claim(t0 + 2_000, 10, 60_000);
  assert.equal(again?.seq, late!.seq);
  await s.jobs.complete(late!);
  assert.deepEqual(await s.healthy.jobs.claim(t0 + 3_000, 10, 60_000), [], 'B still holds the lane: nothing else of the conversation starts');
  await s.healthy.jobs.complete(again!);
  const [second] = await s.healthy.jobs.claim(t0 + 4_000, 10, 60_000);
  assert.ok(second?.event.key.includes('next'), 'B, still holding the lane, moves it on when it finishes');
});

test('an event larger than a DynamoDB item (400 KB) is stored, queried and handed to its job whole', async () => {
  const s = await stores(await Ddb.open());
  const text = Array.from({ length: 20_000 }, (_, i) => `line ${i} of a long history `).join('');
  assert.ok(text.length > 400 * 1024);
  const r = await s.events.ingest(planIngest([message('large1', '300', text)], [{ name: 'handler' }]));
  assert.deepEqual([r.inserted, r.duplicates], [1, 0]);
  const events = await new DynamoEventQuery(await Ddb.open(), s.t).events({});
  assert.equal(events.find((e) => e.messageId === 'wamid.large1')?.text, text);
  const [job] = await s.healthy.jobs.claim(Date.now(), 10, 60_000);
  assert.equal(job?.event.text, text);
});
