import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { createEngine } from '../../src/compose.js';
import { collectStats } from '../../src/pipeline/stats.js';
import { tempDir } from '../helpers/gateway.js';
import { assertNeverConcurrent, assertOncePerMessage, recordingHandlers } from '../helpers/exactly-once.js';
import { cloudEnvelope, messagesChange, status, textMessage, until, workerConfig, writeHandlers } from '../helpers/pipeline.js';
import { runWahook, spawnWahook, type Spawned } from '../helpers/process.js';
import { dropSchema, postgres, testSchema } from '../helpers/services.js';

const db = await postgres();
const DELIVERIES = 2000;

/**
 * Two `wahook worker` processes drain one backlog on the shared PostgreSQL
 * (a schema of this test's own); one is killed with SIGKILL mid-drain and
 * started again. The same guarantee as on SQLite: every delivery becomes its
 * events exactly once, and a handler job never runs twice at once.
 */
test('on PostgreSQL, a worker killed with SIGKILL mid-backlog beside another loses nothing, inserts no event twice and never runs a job twice at once', { skip: db.ok ? false : db.reason, timeout: 240_000 }, async () => {
  if (!db.ok) return;
  const schema = testSchema();
  const dir = tempDir();
  const pgEnv = { DATABASE_URL: db.value, WAHOOK_DB_SCHEMA: schema };
  const handled = join(dir, 'handled.log');
  const env = {
    ...pgEnv, WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'x', WAHOOK_HANDLERS: writeHandlers(dir, recordingHandlers(handled)),
    WAHOOK_WORKER_BATCH: '100', WAHOOK_WORKER_POLL_MS: '5', WAHOOK_HANDLER_TIMEOUT_MS: '2000', WAHOOK_DB_POOL_MAX: '4',
  };
  const workers: Spawned[] = [];
  const engine = createEngine(workerConfig(dir, {}, pgEnv));
  try {
    assert.equal((await runWahook(['migrate'], env)).code, 0);
    // Prepare: each delivery a message and its three statuses, from 50 contacts (50 handler lanes).
    const ids = Array.from({ length: DELIVERIES }, (_, i) => `wamid.pgcrash.${i}`);
    const store = await engine.openDeliveryStore();
    const t0 = Date.now() - DELIVERIES;
    for (let i = 0; i < DELIVERIES; i += 200) {
      await Promise.all(ids.slice(i, i + 200).map((id, j) => {
        const n = i + j;
        const contact = String(1000 + (n % 50));
        const body = cloudEnvelope([messagesChange({ messages: [textMessage(id, contact, 1_700_000_000 + n)], statuses: [status(id, 'sent', 1_700_000_001 + n, contact), status(id, 'delivered', 1_700_000_002 + n, contact), status(id, 'read', 1_700_000_003 + n, contact)] })]);
        return store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: t0 + n, body: Buffer.from(JSON.stringify(body)), headers: {} });
      }));
    }
    await store.close();
    const log = await engine.openDeliveryLog();
    const query = await engine.openEventQuery();
    const pipeline = await engine.openPipelineStores();
    const stats = () => collectStats(log, query, pipeline.jobs, Date.now());
    const taken = async (): Promise<number> => DELIVERIES - (await stats()).queueDepth;
    try {
      // Act: two workers; kill one while the backlog is part drained, then start it again.
      workers.push(spawnWahook(['worker'], env), spawnWahook(['worker'], env));
      await until(async () => (await taken()) >= 500, 60_000, 'worker progress');
      const victim = workers[0]!;
      victim.child.kill('SIGKILL');
      await victim.exited;
      appendFileSync(handled, `x ${victim.child.pid}\n`);
      const killedAt = await taken();
      assert.ok(killedAt < DELIVERIES, `killed at ${killedAt} of ${DELIVERIES}`);
      workers.push(spawnWahook(['worker'], env));
      await until(async () => (await taken()) === DELIVERIES, 120_000, 'the backlog drained after the restart');
      await until(async () => (await stats()).jobsPending === 0, 120_000, 'handler jobs');
      for (const w of workers.slice(1)) w.child.kill('SIGTERM');
      for (const w of workers.slice(1)) assert.equal((await w.exited).code, 0, w.stderr());

      // Assess: events once each, by their rows and by the store's insert counter; every message read and handled.
      const s = await stats();
      assert.equal(s.events, DELIVERIES * 4);
      assert.equal(s.deadLetters, 0);
      const events = await query.events({ limit: 100_000 });
      assert.equal(new Set(events.map((e) => e.key)).size, DELIVERIES * 4);
      assertOncePerMessage(ids, events.filter((e) => e.kind === 'message').map((e) => e.messageId!), 'message events');
      const c = new pg.Client({ connectionString: db.value });
      await c.connect();
      try {
        const inserted = await c.query(`SELECT coalesce(sum(value), 0)::int AS n FROM "${schema}".event_counters WHERE name LIKE 'events.%'`);
        assert.equal(inserted.rows[0].n, DELIVERIES * 4, 'events inserted, by the store\'s own count');
      } finally {
        await c.end();
      }
      assert.equal((await query.messages(100_000)).filter((m) => m.status === 'read').length, DELIVERIES);
      const runs = readFileSync(handled, 'utf8').trim().split('\n');
      assertNeverConcurrent(runs);
      assert.deepEqual(new Set(runs.filter((l) => l[0] === '+').map((l) => l.split(' ')[2])), new Set(ids), 'every message handled');
    } finally {
      await pipeline.close();
      await query.close();
      await log.close();
    }
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
    await dropSchema(db.value, schema);
    rmSync(dir, { recursive: true, force: true });
  }
});
