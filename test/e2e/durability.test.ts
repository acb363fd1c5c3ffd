import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { freePort, runWahook, spawnWahook, waitForHttp } from '../helpers/process.js';
import { tempDir } from '../helpers/gateway.js';

const SECRET = 'durability-secret';

for (const writer of ['thread', 'inline']) test(`every acknowledged delivery survives SIGKILL of the server (store writer: ${writer})`, async () => {
  // Prepare
  const dataDir = tempDir();
  const port = await freePort();
  const env = { WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dataDir, PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_WORKER: 'false', WAHOOK_STORE_WRITER: writer };
  const server = spawnWahook(['serve'], env);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    // Act: a burst of N concurrent POSTs, keeping the ids that were answered 200, then kill -9 mid-traffic.
    const N = 400;
    const acked: string[] = [];
    let next = 0;
    const workers = Array.from({ length: 20 }, async () => {
      while (next < N) {
        const id = `wamid.durable.${next++}`;
        const body = cloudTextBody('durable', id);
        try {
          const r = await http(`http://127.0.0.1:${port}/webhook`, { body, headers: signedHeaders(body, SECRET) });
          if (r.status === 200) acked.push(id);
        } catch {
          /* the server was killed under this request: not acknowledged, so Meta would retry */
        }
        if (acked.length === N - 50) server.child.kill('SIGKILL');
      }
    });
    await Promise.all(workers);
    await server.exited;
    // Assess: restart on the same data dir and read back.
    const list = await runWahook(['deliveries', '--json', '--limit', '100000'], env);
    assert.equal(list.code, 0, list.stderr);
    const stored = new Set(list.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).id as string));
    const restarted = spawnWahook(['serve'], env);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    restarted.child.kill('SIGTERM');
    await restarted.exited;
    assert.ok(acked.length >= N - 50, `acked ${acked.length}`);
    assert.ok(stored.size >= acked.length, `stored ${stored.size} < acked ${acked.length}`);
    const { createEngine } = await import('../../src/compose.js');
    const { workerConfig } = await import('../helpers/pipeline.js');
    const { allDeliveries } = await import('../helpers/gateway.js');
    const log = await createEngine(workerConfig(dataDir)).openDeliveryLog();
    const bodies = await allDeliveries(log);
    await log.close();
    const ids = new Set(bodies.map((d) => JSON.parse(d.body.toString()).entry[0].changes[0].value.messages[0].id as string));
    for (const id of acked) assert.ok(ids.has(id), `acknowledged ${id} was lost`);
  } finally {
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM drains in-flight requests and exits 0', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const env = { WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dataDir, PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_WORKER: 'false' };
  const server = spawnWahook(['serve'], env);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    const inflight = Array.from({ length: 50 }, (_, i) => {
      const body = cloudTextBody('term', `wamid.term.${i}`);
      return http(`http://127.0.0.1:${port}/webhook`, { body, headers: signedHeaders(body, SECRET) }).catch(() => null);
    });
    setTimeout(() => server.child.kill('SIGTERM'), 5);
    const results = await Promise.all(inflight);
    const { code } = await server.exited;
    assert.equal(code, 0, server.stderr());
    const okCount = results.filter((r) => r?.status === 200).length;
    const list = await runWahook(['deliveries', '--json', '--limit', '1000'], env);
    assert.ok(list.stdout.trim().split('\n').filter(Boolean).length >= okCount);
  } finally {
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a SIGTERM that arrives while the worker is still starting drains and exits 0, instead of ending the process by default', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const env = { WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dataDir, PORT: String(port), WAHOOK_HOST: '127.0.0.1' };
  const server = spawnWahook(['serve'], env);
  try {
    // The edge answers as soon as it listens; the worker starts after it.
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    server.child.kill('SIGTERM');
    const { code, signal } = await server.exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, server.stderr());
  } finally {
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
