import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteTelemetryStore } from './telemetry-store.js';
import { measuredTraffic } from '../../telemetry/measured.js';

const DAY = 86_400_000;
const rollup = (minute: number, deliveries: number, peakRps = 5) => ({ minute, deliveries, events: deliveries * 2, bytesIn: deliveries * 600, duplicates: 0, rejected: 0, p50Ms: 2, p99Ms: 9, cpuMsPerDelivery: deliveries > 0 ? 0.2 + 300 / deliveries : 0, cpuMs: 300 + deliveries * 0.2, sampledMs: 60_000, peakRps, logBytes: deliveries * 10 });

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

test('the CPU columns: a store from before them recovers each minute\'s total, and idle minutes are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-tel-'));
  const now = Date.UTC(2026, 10, 29, 12, 0);
  // Schema 1, as wahook wrote it before the minute's total CPU was stored.
  const old = new Database(join(dir, 'telemetry.db'));
  old.exec(`CREATE TABLE minutes (minute INTEGER PRIMARY KEY, deliveries INTEGER NOT NULL, events INTEGER NOT NULL, bytes_in INTEGER NOT NULL,
    duplicates INTEGER NOT NULL, rejected INTEGER NOT NULL, p50_ms REAL NOT NULL, p99_ms REAL NOT NULL, cpu_ms_per_delivery REAL NOT NULL,
    peak_rps INTEGER NOT NULL, log_bytes INTEGER NOT NULL DEFAULT 0)`);
  old.prepare('INSERT INTO minutes VALUES (?, 40, 40, 0, 0, 0, 1, 2, 2.5, 3, 0)').run(now - 120_000);
  old.pragma('user_version = 1');
  old.close();
  const store = new SqliteTelemetryStore(dir);
  await store.save({ ...rollup(now - 60_000, 0), cpuMs: 310, sampledMs: 59_800 }, 35);
  const [before, idle] = await store.since(0);
  assert.deepEqual([before!.cpuMs, before!.sampledMs], [100, 60_000]);
  assert.deepEqual([idle!.deliveries, idle!.cpuMs, idle!.sampledMs], [0, 310, 59_800]);
  // A second process closing the same minute adds its CPU and its time.
  await store.save({ ...rollup(now - 60_000, 0), cpuMs: 40, sampledMs: 10_000 }, 35);
  const [both] = await store.since(now - 60_000);
  assert.deepEqual([both!.cpuMs, both!.sampledMs], [350, 69_800]);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
