import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { createAdminData } from '../../src/dashboard/admin-data.js';
import { defaultPrices } from '../../src/planner/shipped-prices.js';
import { START } from '../../src/ports/delivery-log.js';
import { TelemetryHub } from '../../src/telemetry/hub.js';
import { SECRET, tempDir } from '../helpers/gateway.js';
import { cloudTextBody } from '../helpers/payloads.js';
import { quickTakeoverQueue } from '../helpers/redis-queue.js';
import { ownRedis } from '../helpers/services.js';

const gauge = (text: string, name: string): number => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1]);

test('/metrics counts the deliveries a Redis queue moved to its dead-letter stream', async (t) => {
  const redis = await ownRedis();
  if (!redis.ok) return t.skip(redis.reason);
  const dir = tempDir('wahook-dead-letters-');
  const queueUrl = `${redis.value.url}?key=dead-${process.pid}`;
  // Prepare: two workers that each die holding the same delivery, the second time past the limit of one delivery.
  const queue = quickTakeoverQueue(queueUrl, { claimIdleMs: 200, maxDeliveries: 1 });
  const store = await queue.openDeliveryStore();
  await store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: Date.now(), body: cloudTextBody('poison'), headers: {} });
  const first = await queue.openDeliveryLog();
  assert.equal((await first.read(START, 10)).deliveries.length, 1);
  await first.close();
  await new Promise((r) => setTimeout(r, 300));
  const second = await queue.openDeliveryLog();
  assert.equal((await second.read(START, 10)).deliveries.length, 0, 'moved aside instead of delivered a second time');
  await second.close();
  await store.close();
  // Act: the admin data of a gateway with that queue in front of SQLite, as `serve` composes it.
  const engine = createEngine(loadConfig({ flags: { 'data-dir': dir, queue: queueUrl }, env: { WAHOOK_APP_SECRET: SECRET } }));
  const log = await engine.openDeliveryLog();
  const query = await engine.openEventQuery();
  const pipeline = await engine.openPipelineStores();
  const telemetry = await engine.openTelemetryStore();
  try {
    const data = createAdminData({ log, query, jobs: pipeline.jobs, telemetry }, new TelemetryHub(() => {}), defaultPrices());
    const text = await data.metrics();
    // Assess
    assert.equal(gauge(text, 'wahook_queue_dead_letters'), 1);
    assert.equal(gauge(text, 'wahook_dead_letters'), 0, 'the job queue\'s dead letters are another count');
  } finally {
    await log.close();
    await query.close();
    await pipeline.close();
    await telemetry.close();
    await redis.value.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
