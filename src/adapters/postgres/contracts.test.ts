import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { deliveryLogContract, deliveryLogFixture } from '../../../test/contracts/delivery-log.contract.js';
import { mediaIndexContract } from '../../../test/contracts/media-index.contract.js';
import { pipelineStoresContract } from '../../../test/contracts/pipeline-stores.contract.js';
import { retentionContract } from '../../../test/contracts/retention.contract.js';
import { telemetryStoreContract } from '../../../test/contracts/telemetry-store.contract.js';
import { dropSchema, pgbouncer, postgres, testSchema } from '../../../test/helpers/services.js';
import { START, type NewDelivery } from '../../ports/delivery-log.js';
import { postgresEngine } from './index.js';

const direct = await postgres();
const bouncer = direct.ok ? await pgbouncer(direct.value) : direct;

/** A fresh schema of the test's own, migrated, behind the engine; dropped by dispose. */
async function engineIn(url: string, poolMax = 10) {
  const schema = testSchema();
  const engine = postgresEngine({ url, schema, poolMax, applicationName: schema });
  await engine.migrate();
  return { engine, schema, drop: () => dropSchema(url, schema) };
}

function suites(label: string, url: string): void {
  deliveryLogContract(`postgres, ${label}`, async () => {
    const { engine, schema, drop } = await engineIn(url);
    // Another writer is a separate engine with its own pool, as another edge process has.
    return deliveryLogFixture(() => engine.openDeliveryStore(), () => engine.openDeliveryLog(), drop, () => postgresEngine({ url, schema, poolMax: 4 }).openDeliveryStore());
  });
  pipelineStoresContract(`postgres, ${label}`, async () => {
    const { engine, drop } = await engineIn(url);
    return { open: () => engine.openPipelineStores(), openQuery: () => engine.openEventQuery(), dispose: drop };
  });
  mediaIndexContract(`postgres, ${label}`, async () => {
    const { engine, drop } = await engineIn(url);
    return { open: () => engine.openMediaIndex!(), openPipeline: () => engine.openPipelineStores(), dispose: drop };
  });
  retentionContract(`postgres, ${label}`, async () => {
    const { engine, drop } = await engineIn(url);
    return { engine, dispose: drop };
  });
  telemetryStoreContract(`postgres, ${label}`, async () => {
    const { engine, drop } = await engineIn(url);
    const store = await engine.openTelemetryStore();
    return { store, dispose: async () => { await store.close(); await drop(); } };
  });
}

const delivery = (text: string): NewDelivery => ({ tenant: 'default', provider: 'cloud_api', receivedAt: Date.now(), body: Buffer.from(`{"object":"whatsapp_business_account","entry":[],"t":"${text}"}`), headers: {} });

if (!direct.ok) {
  test('PostgreSQL suites', { skip: direct.reason }, () => {});
} else {
  const url = direct.value;
  suites('direct', url);
  if (bouncer.ok) suites('through PgBouncer (transaction mode)', bouncer.value.url);
  else test('PostgreSQL suites through PgBouncer', { skip: bouncer.reason }, () => {});

  describe('postgres engine', () => {
    test('a delivery that commits late behind a higher id is read, never skipped', async () => {
      const { engine, schema, drop } = await engineIn(url);
      const store = await engine.openDeliveryStore();
      const log = await engine.openDeliveryLog();
      const slow = new pg.Client({ connectionString: url });
      await slow.connect();
      try {
        // A writer takes an id and holds its transaction open; another commits a higher id meanwhile.
        await slow.query('BEGIN');
        await slow.query(`INSERT INTO "${schema}".deliveries (tenant, provider, received_at, digest, headers, body) VALUES ('default', 'cloud_api', 1, '\x01', '{}', '\x7b7d')`);
        await store.append(delivery('fast'));
        const first = await log.read(START, 10);
        assert.deepEqual(first.deliveries, [], 'nothing is handed out while an older transaction may still commit');
        await slow.query('COMMIT');
        // Another test's open transaction anywhere in the cluster holds the xmin back a moment longer: wait, never skip.
        let after = await log.read(first.next, 10);
        for (const end = Date.now() + 10_000; after.deliveries.length < 2 && Date.now() < end; after = await log.read(first.next, 10)) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual(after.deliveries.map((d) => d.receivedAt === 1 ? 'slow' : JSON.parse(d.body.toString()).t), ['slow', 'fast']);
        assert.deepEqual((await log.read(after.next, 10)).deliveries, []);
      } finally {
        await slow.end();
        await log.close();
        await store.close();
        await drop();
      }
    });

    test('checkpoints order transactions as numbers, also where their digits grow (9999 before 10000)', async () => {
      const { engine, schema, drop } = await engineIn(url);
      const log = await engine.openDeliveryLog();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        // A fresh cluster has not reached xid 10000 yet, and a transaction id from the future is rightly never read.
        for (let r = await c.query('SELECT pg_current_xact_id()::text::bigint AS x'); Number(r.rows[0].x) <= 10000; ) {
          r = await c.query('SELECT pg_current_xact_id()::text::bigint AS x');
        }
        // Old, finished transactions (below any live one here) of growing width, inserted out of order.
        for (const [tx, t] of [[10000, 'd'], [9999, 'c'], [99, 'a'], [1000, 'b']] as const) {
          await c.query(`INSERT INTO "${schema}".deliveries (tx, tenant, provider, received_at, digest, headers, body) VALUES ($1::text::xid8, 'default', 'cloud_api', 1, $2, '{}', $3)`, [tx, Buffer.from(t), Buffer.from(JSON.stringify({ t }))]);
        }
        const seen: string[] = [];
        let from = START;
        for (let page = await log.read(from, 1); page.deliveries.length > 0; page = await log.read(from, 1)) {
          seen.push(...page.deliveries.map((d) => JSON.parse(d.body.toString()).t as string));
          from = page.next;
        }
        assert.deepEqual(seen, ['a', 'b', 'c', 'd']);
      } finally {
        await c.end();
        await log.close();
        await drop();
      }
    });

    test('1,000 concurrent appends share a pool of at most its size, and group into few commits', async () => {
      const { engine, schema, drop } = await engineIn(url, 5);
      let commits = 0;
      const store = await engine.openDeliveryStore({ onCommit: () => void commits++ });
      const watch = new pg.Client({ connectionString: url });
      await watch.connect();
      let peak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const r = await watch.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [schema]);
          peak = Math.max(peak, r.rows[0].n as number);
          await new Promise((res) => setTimeout(res, 2));
        }
      })();
      try {
        const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => store.append(delivery(`c${i}`))));
        assert.equal(new Set(results.map((r) => r.id)).size, 1000);
        assert.ok(commits < 200, `${commits} commits for 1,000 appends`);
      } finally {
        sampling = false;
        await sampler;
        await watch.end();
        await store.close();
        await drop();
      }
      assert.ok(peak <= 5, `${peak} connections for a pool of 5`);
    });

    test('a re-delivery that another writer commits while this one inserts it is answered as a duplicate, with that writer\'s id', async () => {
      const { engine, schema, drop } = await engineIn(url);
      const store = await engine.openDeliveryStore();
      const log = await engine.openDeliveryLog();
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        const d = delivery('raced');
        await other.query('BEGIN');
        const held = await other.query(
          `INSERT INTO "${schema}".deliveries (tenant, provider, received_at, digest, headers, body) VALUES ('default', 'cloud_api', 1, $1, '{}', $2) RETURNING id`,
          [createHash('sha256').update(d.body).digest(), d.body],
        );
        const answer = store.append(d);
        // The insert waits for the other transaction's row; its own snapshot will not see that row once committed.
        const waiting = async (): Promise<boolean> => (await other.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [schema])).rowCount! > 0;
        for (const end = Date.now() + 10_000; !(await waiting()); ) {
          assert.ok(Date.now() < end, 'the insert never waited on the uncommitted row');
          await new Promise((r) => setTimeout(r, 10));
        }
        await other.query('COMMIT');
        assert.deepEqual(await answer, { id: String(held.rows[0].id), duplicate: true });
        const c = await log.edgeCounters();
        assert.deepEqual([c.received, c.stored, c.duplicates], [1, 0, 1]);
      } finally {
        await other.end();
        await log.close();
        await store.close();
        await drop();
      }
    });

    test('appends spread over several batches in flight, re-deliveries among them: each stored once, the counters add up', async () => {
      const { engine, drop } = await engineIn(url);
      const store = await engine.openDeliveryStore();
      const log = await engine.openDeliveryLog();
      try {
        const texts = Array.from({ length: 300 }, (_, i) => `d${i % 200}`);
        const results = await Promise.all(texts.map(async (t, i) => {
          // A few requests per turn of the event loop, so batches start while others commit.
          await new Promise((r) => setTimeout(r, Math.floor(i / 10)));
          return store.append(delivery(t));
        }));
        const byText = new Map<string, { id: string; duplicate: boolean }[]>();
        texts.forEach((t, i) => byText.set(t, [...(byText.get(t) ?? []), results[i]!]));
        for (const [t, rs] of byText) {
          assert.equal(rs.filter((r) => !r.duplicate).length, 1, `${t} stored once`);
          assert.equal(new Set(rs.map((r) => r.id)).size, 1, `${t} has one id`);
        }
        assert.equal(new Set(results.map((r) => r.id)).size, 200);
        const c = await log.edgeCounters();
        assert.deepEqual([c.received, c.stored, c.duplicates], [300, 200, 100]);
        assert.equal((await log.backlog(START))?.count, 200);
      } finally {
        await log.close();
        await store.close();
        await drop();
      }
    });

    test('migrate from two processes at once applies each step once; serve refuses an older or newer schema with what to do', async () => {
      const schema = testSchema();
      const a = postgresEngine({ url, schema, poolMax: 2 });
      const b = postgresEngine({ url, schema, poolMax: 2 });
      try {
        await assert.rejects(a.openDeliveryLog(), (e: Error & { code?: string }) => e.code === 'WAHOOK_ERR_SCHEMA_MISMATCH' && /run `wahook migrate`/.test(e.message));
        const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
        assert.equal(ra.to, rb.to);
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        const steps = (await c.query(`SELECT count(*)::int AS n FROM "${schema}".schema_version`)).rows[0].n as number;
        assert.equal(steps, ra.to);
        await (await a.openDeliveryLog()).close();
        await c.query(`INSERT INTO "${schema}".schema_version (version, name) VALUES (9999, 'from the future')`);
        await c.end();
        await assert.rejects(a.openDeliveryStore(), (e: Error & { code?: string }) => e.code === 'WAHOOK_ERR_SCHEMA_MISMATCH' && /newer than this wahook/.test(e.message));
      } finally {
        await dropSchema(url, schema);
      }
    });
  });

  if (bouncer.ok) test('stop the test PgBouncer', async () => bouncer.value.stop());
}
