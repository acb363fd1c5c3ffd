import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until } from '../helpers/pipeline.js';
import { runWahook, spawnWahook, waitForHttp } from '../helpers/process.js';
import { postgresServeEnv } from '../helpers/postgres-env.js';
import { ownRedis, postgres, sharedRedis } from '../helpers/services.js';

const db = await postgres();
const shared = await sharedRedis();

/** Redis Streams in front of PostgreSQL: the stream is the delivery log, Postgres keeps the events. */
test('serve --queue redis://… on PostgreSQL: signed deliveries go through the stream and the worker turns them into events once', { skip: db.ok ? false : db.reason }, async (t) => {
  if (!db.ok) return;
  const redis = await ownRedis();
  if (!redis.ok) return t.skip(redis.reason);
  const pg = await postgresServeEnv(db.value, 'redis-secret');
  const { env, port } = pg;
  const queue = `${redis.value.url}?key=${env.WAHOOK_DB_SCHEMA}`;
  try {
    const server = spawnWahook(['serve', '--processes', '1', '--queue', queue], env);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`);
      assert.equal((await http(`http://127.0.0.1:${port}/readyz`)).status, 200);
      const bodies = Array.from({ length: 20 }, (_, i) => cloudTextBody(`redis ${i}`, `wamid.redis.${i}`));
      const answers = await Promise.all([...bodies, bodies[0]!].map((body) => http(`http://127.0.0.1:${port}/webhook`, { body, headers: signedHeaders(body, 'redis-secret') })));
      assert.deepEqual(answers.map((r) => r.status), answers.map(() => 200));
      const withQueue = { ...env, WAHOOK_QUEUE_URL: queue };
      const stats = async () => JSON.parse((await runWahook(['stats', '--json'], withQueue)).stdout) as { stored: number; duplicates: number; events: number };
      await until(async () => (await stats()).events === 20, 20_000, 'events on PostgreSQL from the stream');
      const s = await stats();
      assert.deepEqual([s.stored, s.duplicates], [20, 1]);
      const events = (await runWahook(['events', '--json', '--kind', 'message'], env)).stdout.trim().split('\n').map((l) => JSON.parse(l) as { messageId: string });
      assert.deepEqual(events.map((e) => e.messageId).sort(), bodies.map((_, i) => `wamid.redis.${i}`).sort());
    } finally {
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0, server.stderr());
    }
  } finally {
    await redis.value.stop();
    await pg.cleanup();
  }
});

test('serve refuses a Redis queue that keeps nothing on disk, naming the settings', { skip: shared.ok ? false : shared.reason }, async () => {
  if (!shared.ok) return;
  const dir = tempDir();
  const key = `refused-${process.pid}`;
  try {
    const r = await runWahook(['serve', '--queue', `${shared.value}?key=${key}`], { WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'x', PORT: '0', WAHOOK_HOST: '127.0.0.1' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /WAHOOK_ERR_QUEUE_NOT_DURABLE.*appendonly \w+ and appendfsync \w+.*--queue-durability relaxed/);
  } finally {
    // The read side opened before the edge was refused, and made the (empty) stream and its group.
    const redis = new Redis(shared.value);
    await redis.del(`${key}:deliveries`);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
});
