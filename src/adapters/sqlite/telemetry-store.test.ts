import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteTelemetryStore } from './telemetry-store.js';
import { measuredTraffic } from '../../telemetry/measured.js';

const DAY = 86_400_000;
const rollup = (minute: number, deliveries: number, peakRps = 5) => ({ minute, deliveries, events: deliveries * 2, bytesIn: deliveries * 600, duplicates: 0, rejected: 0, p50Ms: 2, p99Ms: 9, cpuMsPerDelivery: 0.2, peakRps, logBytes: deliveries * 10 });

test('rollups are kept for the retention window and summarised for the planner', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-tel-'));
  const store = new SqliteTelemetryStore(dir);
  const now = Date.UTC(2026, 10, 29, 12, 0);
  await store.save(rollup(now - 40 * DAY, 10), 35);
  await store.save(rollup(now - 34 * DAY, 20), 35);
  await store.save(rollup(now - 60_000, 30, 12), 35);
  // The newest save prunes what is older than 35 days before it.
  assert.deepEqual((await store.since(0)).map((r) => r.deliveries), [20, 30]);
  // Two writers closing the same minute add up instead of overwriting.
  await store.save(rollup(now - 60_000, 5, 3), 35);
  const rows = await store.since(now - 2 * 60_000);
  assert.equal(rows[0]!.deliveries, 35);
  assert.equal(rows[0]!.peakRps, 12);
  const m = measuredTraffic(await store.since(now - 35 * DAY), now)!;
  assert.equal(m.deliveries, 55);
  assert.equal(m.peakRps, 12);
  assert.equal(m.windowMinutes, 34 * 24 * 60);
  assert.equal(m.logBytesPerDelivery, 325 + 10);
  assert.equal(measuredTraffic([], now), null);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
