import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { createAdminData } from '../../src/dashboard/admin-data.js';
import { createAdminHandler } from '../../src/entry/admin.js';
import { openReadStores } from '../../src/entry/engine-session.js';
import { createLogger } from '../../src/entry/logger.js';
import { createGatewayServer } from '../../src/entry/server.js';
import { startStoreSampler } from '../../src/entry/store-sampler.js';
import { defaultPrices } from '../../src/planner/shipped-prices.js';
import { TelemetryHub } from '../../src/telemetry/hub.js';
import { SECRET, tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { freePort, spawnWahook, waitForHttp } from '../helpers/process.js';
import { until } from '../helpers/pipeline.js';

/** Every method call on `o`, by name, into `calls`. */
function watched<T extends object>(o: T, name: string, calls: string[]): T {
  return new Proxy(o, {
    get(target, key) {
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? (...args: unknown[]) => { calls.push(`${name}.${String(key)}`); return v.apply(target, args); } : v;
    },
  });
}

const gauge = (text: string, name: string): number => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);

test('/metrics and /api/live read no store on the edge thread: 100 calls share one sample, read by the sampler thread', async () => {
  // Prepare: serve's composition (edge, hub, admin data over read stores, the sampler thread), with the
  // edge thread's read stores watched; a backlog of 30 deliveries and no worker.
  const dataDir = tempDir('wahook-metrics-');
  const config = loadConfig({ flags: { host: '127.0.0.1', port: '0', 'data-dir': dataDir }, env: { WAHOOK_APP_SECRET: SECRET } });
  const engine = createEngine(config);
  const store = await engine.openDeliveryStore();
  const rollups = await engine.openTelemetryStore();
  const read = await openReadStores(config);
  const hub = new TelemetryHub(() => {});
  const sampler = startStoreSampler(config);
  const calls: string[] = [];
  let samples = 0;
  const data = createAdminData(
    { log: watched(read.log, 'log', calls), query: watched(read.query, 'query', calls), jobs: watched(read.pipeline.jobs, 'jobs', calls), telemetry: rollups },
    hub, defaultPrices(), () => { samples++; return sampler.sample(); },
  );
  const gateway = createGatewayServer({ config, store, logger: createLogger('silent'), telemetry: hub, extra: createAdminHandler({ config, data }) });
  const { port } = await gateway.listen();
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 30; i++) {
      const body = cloudTextBody(`backlog ${i}`);
      assert.equal((await http(`${url}/webhook`, { body, headers: signedHeaders(body, SECRET) })).status, 200);
    }
    // Act: 5 waves of 10 scrapes and 10 live views, 100 ms apart.
    const answers = [];
    for (let wave = 0; wave < 5; wave++) {
      answers.push(...(await Promise.all([...Array.from({ length: 10 }, () => http(`${url}/metrics`)), ...Array.from({ length: 10 }, () => http(`${url}/api/live`))])));
      await new Promise((r) => setTimeout(r, 100));
    }
    // Assess
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
    for (const a of answers.filter((x) => x.text.startsWith('#'))) assert.equal(gauge(a.text, 'wahook_queue_depth'), 30);
    for (const a of answers.filter((x) => x.text.startsWith('{'))) {
      const live = a.json();
      assert.deepEqual([live.queueDepth, live.received, live.stored], [30, 30, 30]);
      assert.ok(live.oldestPendingAgeMs > 0);
    }
    assert.deepEqual(calls, [], 'nothing was read from the stores on the edge thread');
    assert.ok(samples >= 1 && samples <= 2, `100 calls within about half a second took ${samples} samples`);
  } finally {
    await gateway.shutdown();
    await sampler.close();
    await read.close();
    await rollups.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('`wahook serve` reports its backlog on /metrics and /api/live from the sampler thread', async () => {
  const dataDir = tempDir('wahook-metrics-serve-');
  const port = await freePort();
  const server = spawnWahook(['serve', '--no-worker'], { WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dataDir, PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_LOG_LEVEL: 'warn' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/healthz`);
    for (let i = 0; i < 12; i++) {
      const body = cloudTextBody(`serve backlog ${i}`);
      assert.equal((await http(`${url}/webhook`, { body, headers: signedHeaders(body, SECRET) })).status, 200);
    }
    // Samples are up to a second old: the backlog shows within a couple of them.
    await until(async () => gauge((await http(`${url}/metrics`)).text, 'wahook_queue_depth') === 12, 5000, 'wahook_queue_depth 12');
    await until(async () => (await http(`${url}/api/live`)).json().queueDepth === 12, 5000, 'live queueDepth 12');
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0, server.stderr());
  } finally {
    server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
