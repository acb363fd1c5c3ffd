import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createEngine } from '../../src/compose.js';
import { tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until, workerConfig } from '../helpers/pipeline.js';
import { freePort, spawnWahook, waitForHttp } from '../helpers/process.js';
import { postgresServeEnv } from '../helpers/postgres-env.js';
import { postgres } from '../helpers/services.js';

const DAY_MS = 86_400_000;
const SECRET = 'retention-secret';
const db = await postgres();

/** What the test needs of one engine beside `wahook serve`: its environment, the receive times still stored, and a way to stall the worker's commits. */
interface EngineUnderTest {
  readonly env: Record<string, string>;
  readonly port: number;
  /** Receive times of the deliveries stored now, straight from the engine's table. */
  stored(): Promise<number[]>;
  /** Holds a lock the worker's commit needs, until the returned function is called; reads go on. */
  stallWorker(): Promise<() => Promise<void>>;
  cleanup(): Promise<void>;
}

/**
 * A live `wahook serve` prunes on its own: deliveries past
 * `retention.deliveriesDays` that its worker has made into events go,
 * fresh ones stay, and an old delivery the worker has not taken yet is
 * kept until it has. Old deliveries are stored through the engine with an
 * old receive time; one is stored just younger than the retention age, so
 * that it becomes due while the worker is stalled, which shows a pass ran
 * then.
 */
async function prunesWhileLive(e: EngineUnderTest): Promise<void> {
  const env: Record<string, string> = { ...e.env, WAHOOK_RETENTION_DELIVERIES_DAYS: '1', WAHOOK_RETENTION_INTERVAL_MS: '200' };
  const engine = createEngine(workerConfig(env.WAHOOK_DATA_DIR!, {}, env));
  const query = await engine.openEventQuery();
  const events = async (): Promise<number> => (await query.stats()).events;
  const store = await engine.openDeliveryStore();
  const old = Date.now() - 3 * DAY_MS;
  const append = (text: string, receivedAt: number) => store.append({ tenant: 'default', provider: 'cloud_api', receivedAt, body: cloudTextBody(text), headers: {} });
  const server = spawnWahook(['serve', '--processes', '1'], env);
  try {
    await append('old 1', old);
    await append('old 2', old + 1);
    await waitForHttp(`http://127.0.0.1:${e.port}/healthz`);
    for (let i = 0; i < 3; i++) {
      const body = cloudTextBody(`fresh ${i}`);
      assert.equal((await http(`http://127.0.0.1:${e.port}/webhook`, { body, headers: signedHeaders(body, SECRET) })).status, 200);
    }
    await until(async () => (await events()) === 5, 20_000, 'the worker to make events of all five deliveries');
    await until(async () => (await e.stored()).length === 3, 20_000, 'the live worker to prune the two old deliveries');
    assert.ok((await e.stored()).every((t) => t > Date.now() - DAY_MS), 'the fresh ones stay');

    // Due two and a half seconds from now, and made into events before the worker is stalled.
    const soonDue = Date.now() - DAY_MS + 2500;
    await append('soon due', soonDue);
    await until(async () => (await events()) === 6, 2000, 'the worker to take the delivery that becomes due soon');
    const release = await e.stallWorker();
    try {
      await append('old, not taken', old + 2);
      await until(async () => !(await e.stored()).includes(soonDue), 20_000, 'a retention pass after the taken delivery became due');
      assert.ok((await e.stored()).includes(old + 2), 'an old delivery the worker has not taken is kept');
      assert.equal(await events(), 6);
    } finally {
      await release();
    }
    await until(async () => (await events()) === 7, 20_000, 'the worker to take the old delivery once it can commit again');
    await until(async () => !(await e.stored()).includes(old + 2), 20_000, 'the old delivery to be pruned once taken');
    assert.equal((await e.stored()).length, 3);
  } finally {
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    await store.close();
    await query.close();
    await e.cleanup();
    assert.equal(exit.code, 0, server.stderr());
  }
}

test('a live serve on SQLite prunes old deliveries it has made into events, keeps fresh ones, and keeps an old one not yet taken', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const port = await freePort();
  const file = (name: string): Database.Database => new Database(join(dir, name));
  await prunesWhileLive({
    env: { WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: SECRET, PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_WORKER_POLL_MS: '10' },
    port,
    stored: async () => {
      const d = file('deliveries.db');
      try {
        return d.prepare('SELECT received_at FROM deliveries ORDER BY id').pluck().all() as number[];
      } finally {
        d.close();
      }
    },
    stallWorker: async () => {
      // The worker commits its events and checkpoint to events.db; a write lock of our own holds it back, readers go on.
      const events = file('events.db');
      events.prepare('BEGIN IMMEDIATE').run();
      return async () => {
        events.prepare('ROLLBACK').run();
        events.close();
      };
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  });
});

test('a live serve on PostgreSQL prunes old deliveries it has made into events, keeps fresh ones, and keeps an old one not yet taken', { skip: db.ok ? false : db.reason, timeout: 120_000 }, async () => {
  if (!db.ok) return;
  const pgEnv = await postgresServeEnv(db.value, SECRET);
  const schema = pgEnv.env.WAHOOK_DB_SCHEMA!;
  const client = new pg.Client({ connectionString: db.value });
  await client.connect();
  try {
    await prunesWhileLive({
      env: pgEnv.env,
      port: pgEnv.port,
      // Straight from the table: the log itself holds back rows written after a transaction still open (the stalled worker's).
      stored: async () => (await client.query(`SELECT received_at FROM "${schema}".deliveries ORDER BY id`)).rows.map((r: { received_at: string }) => Number(r.received_at)),
      stallWorker: async () => {
        // The worker moves the checkpoint in the transaction that inserts its events; plain reads of it (retention's) go on.
        const locker = new pg.Client({ connectionString: db.value });
        await locker.connect();
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE "${schema}".checkpoint IN EXCLUSIVE MODE`);
        return async () => {
          await locker.query('ROLLBACK');
          await locker.end();
        };
      },
      cleanup: async () => pgEnv.cleanup(),
    });
  } finally {
    await client.end();
  }
});
