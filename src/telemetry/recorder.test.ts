import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatencyHistogram } from './latency-histogram.js';
import { TrafficRecorder } from './recorder.js';

test('percentiles are exact to a 0.1 ms bucket (reported as the bucket upper edge)', () => {
  const h = new LatencyHistogram();
  for (let i = 0; i < 1000; i++) h.record(i / 100 + 0.005);
  assert.equal(h.percentile(0.5), 5);
  assert.equal(h.percentile(0.99), 9.9);
  h.record(150.2);
  h.record(5000);
  assert.equal(h.percentile(1), 2000);
  assert.equal(new LatencyHistogram().percentile(0.99), 0);
});

test('a minute rolls up deliveries, bytes, latency, CPU per delivery and the peak second', () => {
  const t0 = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);
  const r = new TrafficRecorder(t0, 1000);
  for (let i = 0; i < 30; i++) r.edge({ route: 'webhook', status: 200, ms: 2, bytes: 500 }, t0 + 1000);
  for (let i = 0; i < 10; i++) r.edge({ route: 'webhook', status: 200, ms: 8, bytes: 500, duplicate: i === 0 }, t0 + 5000);
  r.edge({ route: 'webhook', status: 401, ms: 1, bytes: 10, code: 'WAHOOK_ERR_SIGNATURE_INVALID' }, t0 + 6000);
  r.edge({ route: 'healthz', status: 200, ms: 1, bytes: 0 }, t0 + 6000);
  r.events(120);
  assert.equal(r.tick(t0 + 59_000, 1200), null);
  const live = r.live(t0 + 6000, 10);
  assert.equal(live.throughput.length, 10);
  assert.equal(live.throughput.reduce((a, b) => a + b, 0), 40);
  const m = r.tick(t0 + 60_001, 1400)!;
  assert.deepEqual(
    { ...m },
    { minute: t0, deliveries: 40, events: 120, bytesIn: 20_000, duplicates: 1, rejected: 1, p50Ms: 2.1, p99Ms: 8.1, cpuMsPerDelivery: 10, cpuMs: 400, sampledMs: 60_001, peakRps: 30, logBytes: 0 },
  );
});

test('an idle minute is rolled up too: its CPU is the baseline the planner separates from deliveries', () => {
  const t0 = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);
  const r = new TrafficRecorder(t0 + 20_000, 5_000);
  const first = r.tick(t0 + 60_500, 5_120)!;
  // Created 20 s into the minute: the CPU reading covers the 40.5 s it ran, not a whole minute.
  assert.deepEqual([first.deliveries, first.cpuMs, first.sampledMs, first.cpuMsPerDelivery], [0, 120, 40_500, 0]);
  const idle = r.tick(t0 + 120_400, 5_300)!;
  assert.deepEqual([idle.minute, idle.deliveries, idle.cpuMs, idle.sampledMs], [t0 + 60_000, 0, 180, 59_900]);
});

test('flush closes the minute at shutdown with the time it actually ran', () => {
  const t0 = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);
  const r = new TrafficRecorder(t0, 0);
  r.edge({ route: 'webhook', status: 200, ms: 1, bytes: 100 }, t0 + 2_000);
  const m = r.flush(t0 + 15_000, 90);
  assert.deepEqual([m.minute, m.deliveries, m.cpuMs, m.sampledMs], [t0, 1, 90, 15_000]);
});

test('reported seconds count as this recorder\'s own, each once, and a second reported after its minute closed counts in the next', () => {
  const t0 = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);
  const child = new TrafficRecorder(t0, 0);
  child.edge({ route: 'webhook', status: 200, ms: 3, bytes: 200 }, t0 + 1_000);
  child.edge({ route: 'webhook', status: 200, ms: 9, bytes: 200, duplicate: true }, t0 + 58_500);
  child.edge({ route: 'webhook', status: 403, ms: 1, bytes: 10 }, t0 + 59_200);
  const first = child.takeReport(t0 / 1000 + 59);
  assert.deepEqual(first.map((s) => s.sec), [t0 / 1000 + 1, t0 / 1000 + 58]);
  assert.deepEqual(child.takeReport(t0 / 1000 + 59), [], 'a second is reported once');
  const late = child.takeReport(t0 / 1000 + 61);

  const primary = new TrafficRecorder(t0, 1000);
  primary.absorb(first);
  primary.addCpu(40);
  const m = primary.tick(t0 + 60_000, 1010)!;
  assert.deepEqual([m.deliveries, m.duplicates, m.rejected, m.bytesIn, m.cpuMs, m.p99Ms], [2, 1, 0, 400, 50, 9.1]);
  primary.absorb(late);
  const next = primary.flush(t0 + 70_000, 1010);
  assert.deepEqual([next.minute, next.deliveries, next.rejected], [t0 + 60_000, 0, 1]);
  assert.deepEqual(primary.totals, { deliveries: 2, rejected: 1 });
});

test('latency buckets travel as pairs and merge back exactly', () => {
  const a = new LatencyHistogram();
  for (const ms of [0.05, 2.5, 2.5, 150, 5000]) a.record(ms);
  const b = new LatencyHistogram();
  b.addEntries(a.entries());
  b.addEntries([-1, 5, 99_999, 5, 3, 0]);
  assert.equal(b.count, 5);
  for (const p of [0.2, 0.5, 0.8, 1]) assert.equal(b.percentile(p), a.percentile(p));
});
