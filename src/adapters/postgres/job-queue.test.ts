import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { dropSchema, postgres, testSchema } from '../../../test/helpers/services.js';
import { planIngest } from '../../pipeline/ingest-plan.js';
import type { StoredDelivery } from '../../ports/delivery-log.js';
import { postgresEngine } from './index.js';
import { queueJobs } from './job-queue.js';
import type { Pg } from './pool.js';

const db = await postgres();

const delivery = (messages: { id: string; from: string }[]): StoredDelivery => {
  const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'w', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '1' }, messages: messages.map((m, i) => ({ from: m.from, id: m.id, timestamp: String(1_700_000_000 + i), type: 'text', text: { body: m.id } })) } }] }] }));
  return { id: '1', tenant: 'default', provider: 'cloud_api', receivedAt: 1, bytes: body.length, headers: {}, body };
};

async function fixture() {
  const url = (db as { value: string }).value;
  const schema = testSchema();
  const engine = postgresEngine({ url, schema, poolMax: 4, applicationName: schema });
  await engine.migrate();
  const stores = await engine.openPipelineStores();
  return { url, schema, stores, dispose: async () => { await stores.close(); await dropSchema(url, schema); } };
}

describe('PostgreSQL job queue', { skip: db.ok ? false : db.reason }, () => {
  test('jobs finished together are removed in one transaction of a few statements, and each lane moves on to its next job', async () => {
    const f = await fixture();
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    try {
      // Twenty conversations with two messages each: twenty lane heads, each with one job behind it.
      const messages = Array.from({ length: 20 }, (_, i) => [{ id: `wamid.${i}a`, from: String(7000 + i) }, { id: `wamid.${i}b`, from: String(7000 + i) }]).flat();
      await f.stores.events.ingest(planIngest([delivery(messages)], [{ name: 'handler' }]));
      const now = Date.now();
      const heads = await f.stores.jobs.claim(now, 40, 60_000);
      assert.deepEqual(heads.map((j) => j.event.messageId).sort(), Array.from({ length: 20 }, (_, i) => `wamid.${i}a`).sort());
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const text = args[0] as string | { text: string };
        sent.push(typeof text === 'string' ? text : text.text);
        return (query as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof query;
      await Promise.all(heads.map((j) => f.stores.jobs.complete(j)));
      pg.Client.prototype.query = query;
      assert.ok(sent.length <= 4, `${sent.length} statements for 20 jobs: ${sent.join(' | ')}`);
      const next = await f.stores.jobs.claim(now, 40, 60_000);
      assert.deepEqual(next.map((j) => j.event.messageId).sort(), Array.from({ length: 20 }, (_, i) => `wamid.${i}b`).sort());
      await Promise.all(next.map((j) => f.stores.jobs.complete(j)));
      assert.deepEqual(await f.stores.jobs.counts(), { pending: 0, dead: 0 });
      const lanes = new pg.Pool({ connectionString: f.url, max: 1 });
      assert.equal((await lanes.query(`SELECT count(*)::int AS n FROM "${f.schema}".lanes`)).rows[0].n, 0, 'emptied lanes are removed');
      await lanes.end();
    } finally {
      pg.Client.prototype.query = query;
      await f.dispose();
    }
  });

  test('a worker that finishes after its lease ran out does not move the lane on under the worker that took it over', async () => {
    const f = await fixture();
    try {
      await f.stores.events.ingest(planIngest([delivery([{ id: 'wamid.slow', from: '9100' }, { id: 'wamid.next', from: '9100' }])], [{ name: 'handler' }]));
      const t0 = Date.now();
      const [late] = await f.stores.jobs.claim(t0, 10, 1_000);
      assert.equal(late?.event.messageId, 'wamid.slow');
      const [again] = await f.stores.jobs.claim(t0 + 2_000, 10, 60_000);
      assert.equal(again?.seq, late!.seq, 'the lease ran out: another worker takes the same job');
      await f.stores.jobs.fail(late!, 'Error: late', t0 + 2_500, t0 + 2_500);
      assert.deepEqual(await f.stores.jobs.claim(t0 + 3_000, 10, 60_000), [], 'a late failure does not make the job due again beside the second worker');
      await f.stores.jobs.complete(late!);
      assert.deepEqual(await f.stores.jobs.claim(t0 + 3_000, 10, 60_000), [], 'nor does a late completion start the next job beside it');
      const [next] = await f.stores.jobs.claim(t0 + 63_000, 10, 60_000);
      assert.equal(next?.event.messageId, 'wamid.next', 'once that lease ends, the lane goes on past the finished job');
    } finally {
      await f.dispose();
    }
  });

  test('a job queued behind a lane while its head is being completed keeps its lane', async () => {
    const f = await fixture();
    const writer = new pg.Client({ connectionString: f.url });
    await writer.connect();
    try {
      await f.stores.events.ingest(planIngest([delivery([{ id: 'wamid.first', from: '7100' }])], [{ name: 'handler' }]));
      const now = Date.now();
      const [head] = await f.stores.jobs.claim(now, 1, 60_000);
      assert.ok(head);
      // Another worker's ingest queues the next job of the same conversation and holds its transaction open.
      await writer.query('BEGIN');
      const e = await writer.query(`INSERT INTO "${f.schema}".events (tenant, key, kind, type, ts, delivery_id, json) SELECT tenant, 'second', kind, type, ts, delivery_id, jsonb_set(json, '{messageId}', '"wamid.second"') FROM "${f.schema}".events WHERE seq = $1 RETURNING seq`, [head.seq]);
      const pgOf = { t: (table: string) => `"${f.schema}"."${table}"` } as Pg;
      assert.equal(await queueJobs(writer, pgOf, [{ seq: e.rows[0].seq as number, target: 'handler', conversation: head.conversation }], now), 1);
      const completing = f.stores.jobs.complete(head);
      // The completion waits for the lane that the open transaction has locked.
      const watch = new pg.Client({ connectionString: f.url });
      await watch.connect();
      const waiting = async (): Promise<number> => (await watch.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [f.schema])).rows[0].n as number;
      for (let tries = 0; (await waiting()) === 0; tries++) {
        assert.ok(tries < 1000, 'the completion never waited for the lane');
        await new Promise((r) => setTimeout(r, 10));
      }
      await watch.end();
      await writer.query('COMMIT');
      await completing;
      const [next] = await f.stores.jobs.claim(Date.now(), 5, 60_000);
      assert.equal(next?.event.messageId, 'wamid.second', 'the second job is its lane\'s head');
    } finally {
      await writer.end();
      await f.dispose();
    }
  });

  test('a claim hands each lane its next jobs in order; a held save keeps the lane leased until the failure behind it is recorded', async () => {
    const f = await fixture();
    const direct = new pg.Pool({ connectionString: f.url, max: 1 });
    try {
      const a = [1, 2, 3, 4].map((n) => ({ id: `wamid.a${n}`, from: '7200' }));
      await f.stores.events.ingest(planIngest([delivery([...a, { id: 'wamid.b1', from: '7201' }])], [{ name: 'handler' }]));
      const now = Date.now();
      const ids = (jobs: { event: { messageId?: string } }[]): (string | undefined)[] => jobs.map((j) => j.event.messageId);
      const first = await f.stores.jobs.claim(now, 10, 60_000, new Set(), {}, 3);
      assert.deepEqual(ids(first.filter((j) => j.conversation.endsWith('7200'))), ['wamid.a1', 'wamid.a2', 'wamid.a3']);
      assert.deepEqual(ids(first.filter((j) => j.conversation.endsWith('7201'))), ['wamid.b1']);
      const [a1, a2] = first;
      await f.stores.jobs.complete(a1!, true);
      assert.deepEqual(await f.stores.jobs.claim(now, 10, 60_000, new Set(), {}, 3), [], 'the held lane is still leased');
      await f.stores.jobs.fail(a2!, 'Error: boom', now + 1_000, now);
      assert.deepEqual(await f.stores.jobs.claim(now + 999, 10, 60_000, new Set(), {}, 3), [], 'the failed job waits for its retry');
      const again = await f.stores.jobs.claim(now + 1_000, 10, 60_000, new Set(), {}, 3);
      assert.deepEqual(ids(again), ['wamid.a2', 'wamid.a3', 'wamid.a4'], 'the lane goes on from the failed job, in order');
      assert.equal(again[0]!.attempts, 1);
      await Promise.all(again.map((j) => f.stores.jobs.complete(j)));
      assert.deepEqual(await f.stores.jobs.counts(), { pending: 1, dead: 0 }, 'only b1, still leased, is left');
      // A job behind the head that is not due yet ends the run before it.
      await f.stores.events.ingest(planIngest([delivery([1, 2, 3].map((n) => ({ id: `wamid.c${n}`, from: '7202' })))], [{ name: 'handler' }]));
      await direct.query(`UPDATE "${f.schema}".jobs j SET run_at = $1 FROM "${f.schema}".events e WHERE e.seq = j.seq AND e.json->>'messageId' = 'wamid.c2'`, [now + 5_000]);
      assert.deepEqual(ids(await f.stores.jobs.claim(now + 1_000, 10, 60_000, new Set(), {}, 3)), ['wamid.c1']);
    } finally {
      await direct.end();
      await f.dispose();
    }
  });
});
