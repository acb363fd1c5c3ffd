import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until } from '../helpers/pipeline.js';
import { freePort, spawnWahook, waitForHttp } from '../helpers/process.js';
import { ownRedis } from '../helpers/services.js';

interface Answer {
  readonly id: string;
  readonly status: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * Redis killed (SIGKILL) and started again on the same append-only file
 * while webhooks keep coming: nothing answered 200 is lost, nothing is
 * answered 200 while Redis is down, the edge recovers by itself, and the
 * worker inserts every event once.
 */
test('Redis restarted under load: no acknowledged delivery missing, no event twice, 503 while down, recovery on its own', async (t) => {
  const redis = await ownRedis();
  if (!redis.ok) return t.skip(redis.reason);
  const dir = tempDir();
  const port = await freePort();
  const env = { WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'restart-secret', PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_WORKER_POLL_MS: '10', WAHOOK_LOG_LEVEL: 'fatal' };
  const server = spawnWahook(['serve', '--queue', `${redis.value.url}?key=restart`], env);
  const answers: Answer[] = [];
  const send = async (id: string): Promise<Answer> => {
    const body = cloudTextBody(id, id);
    const startedAt = Date.now();
    const status = await http(`http://127.0.0.1:${port}/webhook`, { body, headers: signedHeaders(body, 'restart-secret') }).then((r) => r.status, () => 0);
    const a = { id, status, startedAt, endedAt: Date.now() };
    answers.push(a);
    return a;
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    let next = 0;
    let sending = true;
    // Four senders, as Meta's concurrent deliveries; each sends a new message id at a time.
    const senders = Promise.all(Array.from({ length: 4 }, async () => {
      while (sending) {
        await send(`wamid.restart.${next++}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }));
    await until(() => answers.filter((a) => a.status === 200).length >= 40, 20_000, 'deliveries accepted before the restart');
    await redis.value.kill();
    const downAt = Date.now();
    await until(() => answers.some((a) => a.startedAt > downAt && a.status === 503), 10_000, 'a 503 while Redis is down');
    await new Promise((r) => setTimeout(r, 500));
    const restartAt = Date.now();
    await redis.value.start();
    await until(() => answers.some((a) => a.startedAt > restartAt && a.status === 200), 20_000, 'the edge to accept deliveries again by itself');
    await until(() => answers.filter((a) => a.startedAt > restartAt && a.status === 200).length >= 20, 20_000, 'more deliveries after the restart');
    sending = false;
    await senders;

    const whileDown = answers.filter((a) => a.startedAt > downAt && a.endedAt < restartAt);
    assert.ok(whileDown.length > 0);
    assert.deepEqual(whileDown.filter((a) => a.status === 200), [], 'never 200 while Redis is down');
    assert.ok(whileDown.every((a) => a.status === 503), `while down: ${[...new Set(whileDown.map((a) => a.status))].join(', ')}`);

    // A sender retries what was not answered 200, as Meta does.
    for (const a of answers.filter((x) => x.status !== 200 && !answers.some((y) => y.id === x.id && y.status === 200))) {
      assert.equal((await send(a.id)).status, 200, `retry of ${a.id}`);
    }
    const acked = new Set(answers.filter((a) => a.status === 200).map((a) => a.id));
    const config = loadConfig({ env: { WAHOOK_DATA_DIR: dir } });
    const messageIds = async (): Promise<string[]> => {
      const q = await createEngine(config).openEventQuery();
      try {
        return (await q.events({ kind: 'message', limit: 100_000 })).map((e) => e.messageId!);
      } finally {
        await q.close();
      }
    };
    await until(async () => (await messageIds()).length >= acked.size, 30_000, 'every acknowledged delivery as an event');
    const ids = await messageIds();
    assert.equal(ids.length, new Set(ids).size, 'no event inserted twice');
    assert.deepEqual([...acked].filter((id) => !ids.includes(id)), [], 'no acknowledged delivery missing');
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    await redis.value.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
