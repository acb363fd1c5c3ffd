/**
 * The CPU fit separates a process's idle baseline from what each delivery
 * adds, from minutes shaped like the recorder's (idle ones included).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MinuteRollup } from '../ports/admin-data.js';
import { fitCpu } from './cpu-fit.js';
import { measuredTraffic } from './measured.js';
import { TrafficRecorder } from './recorder.js';

const T0 = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);

/** A small deterministic generator (LCG), so the noise is the same on every run. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** Minutes from a process whose CPU is `idle` ms a minute plus `perDelivery` ms a delivery, with noise of ±`jitter` ms. */
function minutes(counts: readonly number[], idle: number, perDelivery: number, jitter: number, seed = 7): MinuteRollup[] {
  const rand = noise(seed);
  return counts.map((deliveries, i) => {
    const cpuMs = idle + perDelivery * deliveries + 2 * jitter * rand();
    return {
      minute: T0 + i * 60_000, deliveries, events: deliveries, bytesIn: deliveries * 900, duplicates: 0, rejected: 0, p50Ms: 1, p99Ms: 4,
      cpuMsPerDelivery: deliveries > 0 ? cpuMs / deliveries : 0, cpuMs, sampledMs: 60_000, peakRps: Math.ceil(deliveries / 30), logBytes: 0,
    };
  });
}

/** Quiet hours and busy ones: 0 to ~12,000 deliveries a minute. */
const VOLUMES = Array.from({ length: 240 }, (_, i) => (i % 9 === 0 ? 0 : Math.round(6000 + 5800 * Math.sin(i / 11) * Math.cos(i / 29))));

const within = (actual: number, expected: number, share: number): boolean => Math.abs(actual - expected) <= share * expected;

describe('fitCpu', () => {
  it('recovers a fixed idle CPU and a fixed per-delivery cost within 10% over minutes of different volumes', () => {
    const fit = fitCpu(minutes(VOLUMES, 420, 0.085, 60))!;
    assert.ok(within(fit.idleMsPerMinute, 420, 0.1), `idle ${fit.idleMsPerMinute}`);
    assert.ok(within(fit.perDeliveryMs, 0.085, 0.1), `per delivery ${fit.perDeliveryMs}`);
    assert.equal(fit.minutes, 240);
    assert.equal(fit.busyMinutes, VOLUMES.filter((v) => v > 0).length);
    assert.ok(fit.perDeliveryMsSe > 0 && fit.perDeliveryMsSe < 0.01 * fit.perDeliveryMs, `se ${fit.perDeliveryMsSe}`);
  });

  it('is not fooled where the average is: quiet minutes charge their whole baseline to a few deliveries', () => {
    const quiet = VOLUMES.map((v) => (v > 0 ? Math.max(1, Math.round(v / 1000)) : 0));
    const rollups = minutes(quiet, 420, 0.085, 5);
    const average = rollups.reduce((a, r) => a + r.cpuMs, 0) / rollups.reduce((a, r) => a + r.deliveries, 0);
    const fit = fitCpu(rollups)!;
    assert.ok(average > 50, `the average charges ${average} ms a delivery`);
    assert.ok(within(fit.idleMsPerMinute, 420, 0.1), `idle ${fit.idleMsPerMinute}`);
  });

  it('drops a start-up minute far off the fit instead of bending the slope', () => {
    const rollups = minutes(VOLUMES, 420, 0.085, 20);
    rollups[0] = { ...rollups[0]!, deliveries: 3, cpuMs: 9_000 };
    const fit = fitCpu(rollups)!;
    assert.ok(within(fit.perDeliveryMs, 0.085, 0.02), `per delivery ${fit.perDeliveryMs}`);
    assert.equal(fit.minutes, 239);
  });

  it('counts a minute the process ran only part of as that part of the baseline', () => {
    const rollups = minutes(VOLUMES, 600, 0.05, 0).map((r, i) => (i % 5 === 0 ? { ...r, sampledMs: 30_000, cpuMs: 300 + 0.05 * r.deliveries } : r));
    const fit = fitCpu(rollups)!;
    assert.ok(within(fit.idleMsPerMinute, 600, 0.001) && within(fit.perDeliveryMs, 0.05, 0.001), JSON.stringify(fit));
  });

  it('gives no fit when every minute has the same rate: baseline and slope cannot be told apart', () => {
    assert.equal(fitCpu(minutes(new Array<number>(60).fill(1000), 420, 0.085, 30)), null);
  });

  it('never yields a CPU per delivery from one delivery in one minute', () => {
    const r = new TrafficRecorder(T0 + 1_000, 0);
    r.edge({ route: 'webhook', status: 200, ms: 14, bytes: 471 }, T0 + 2_000);
    // Start-up, JIT and the first request's work all land in this minute.
    const minute = r.tick(T0 + 60_000, 882.598)!;
    assert.equal(fitCpu([minute]), null);
    const m = measuredTraffic([minute], T0 + 61_000)!;
    assert.deepEqual([m.deliveries, m.cpu], [1, null]);
  });
});
