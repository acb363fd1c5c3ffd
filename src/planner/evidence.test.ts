/**
 * Measured figures replace defaults only with enough traffic behind them,
 * and the report says which was used and why.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EVIDENCE, poissonRange, summarise, Z95 } from './evidence.js';
import { profileOf, projectRoot } from './fixtures.js';
import { DEFAULTS, PEAK_TO_AVERAGE, SECONDS_PER_MONTH } from './profile.js';
import type { CpuFit, MeasuredTraffic } from './types.js';

const fit: CpuFit = { perDeliveryMs: 0.08, perDeliveryMsSe: 0.002, idleMsPerMinute: 400, idleMsPerMinuteSe: 15, minutes: 240, busyMinutes: 200, deliveries: 900_000 };
const day: MeasuredTraffic = {
  windowMinutes: 1440, deliveries: 900_000, busyMinutes: 1200, events: 900_000, bytesIn: 900_000 * 1_500,
  peakRps: 120, p50Ms: 1.5, p99Ms: 5, cpu: fit, logBytesPerDelivery: 400,
};
const cpuOf = (cpu: CpuFit | null) => profileOf(['--volume', '1e7'], { ...day, cpu });

describe('the CPU evidence rule', () => {
  it('uses a fit with enough minutes, deliveries and a tight slope, with its 95% range and the host caveat', () => {
    const p = cpuOf(fit);
    assert.deepEqual([p.cpuMsPerDelivery.value, p.cpuMsPerDelivery.source], [0.08, 'measured']);
    assert.deepEqual(p.cpuMsPerDelivery.range, [0.08 - Z95 * 0.002, 0.08 + Z95 * 0.002]);
    assert.match(p.cpuMsPerDelivery.note ?? '', /host that ran serve.*--cpu-ms.*speedFactor/);
    assert.deepEqual([p.idleCpuMsPerMinute.value, p.idleCpuMsPerMinute.source], [400, 'measured']);
    assert.equal(p.measurement?.cpu.used, true);
  });

  const rejected: [string, CpuFit | null, RegExp][] = [
    ['no fit at all', null, /cannot separate/],
    ['too few minutes', { ...fit, minutes: EVIDENCE.minCpuMinutes - 1 }, /29 minutes of CPU readings \(needs 30\)/],
    ['too few busy minutes', { ...fit, busyMinutes: 3 }, /3 minutes with deliveries/],
    ['too few deliveries', { ...fit, deliveries: 999 }, /999 deliveries measured \(needs 1,000\)/],
    ['a slope at or below zero', { ...fit, perDeliveryMs: -0.01 }, /not above zero/],
    ['a slope too uncertain', { ...fit, perDeliveryMsSe: 0.02 }, /too uncertain: ±49%/],
  ];
  for (const [name, cpu, why] of rejected) {
    it(`falls back to the benchmarked default on ${name}, and says why`, () => {
      const p = cpuOf(cpu);
      assert.deepEqual([p.cpuMsPerDelivery.value, p.cpuMsPerDelivery.source], [DEFAULTS.cpuMsPerDelivery, 'default']);
      assert.equal(p.cpuMsPerDelivery.range, undefined);
      assert.match(p.cpuMsPerDelivery.note ?? '', why);
      assert.deepEqual([p.measurement?.cpu.used, p.idleCpuMsPerMinute.source], [false, 'default']);
      assert.match(p.measurement?.cpu.reason ?? '', why);
    });
  }

  it('lets --cpu-ms and --idle-cpu-ms win over a fit', () => {
    const p = profileOf(['--volume', '1e7', '--cpu-ms', '0.3', '--idle-cpu-ms', '50'], day);
    assert.deepEqual([p.cpuMsPerDelivery.value, p.cpuMsPerDelivery.source, p.cpuMsPerDelivery.range], [0.3, 'flag', undefined]);
    assert.deepEqual([p.idleCpuMsPerMinute.value, p.idleCpuMsPerMinute.source], [50, 'flag']);
  });
});

describe('measured volume, peak and per-delivery averages', () => {
  const short: MeasuredTraffic = { ...day, windowMinutes: 30, deliveries: 600, busyMinutes: 30, bytesIn: 600 * 500, logBytesPerDelivery: 2_000, cpu: null };

  it('labels a volume from under a day as an extrapolation, with the counting range', () => {
    const p = profileOf([], short);
    assert.equal(p.volume.source, 'measured');
    assert.equal(p.measurement?.extrapolated, true);
    assert.match(p.volume.note ?? '', /600 deliveries in 30 min.*extrapolation/);
    const [lo, hi] = poissonRange(600);
    const scale = (730 * 60) / 30;
    assert.deepEqual(p.volume.range, [lo * scale, hi * scale]);
    assert.equal(profileOf([], day).measurement?.extrapolated, false);
  });

  it('takes payload and log bytes only from enough deliveries', () => {
    const p = profileOf([], short);
    assert.deepEqual([p.payloadBytes.source, p.logBytes.source], ['default', 'default']);
    assert.match(p.logBytes.note ?? '', /600 deliveries measured \(needs 1,000\)/);
    const q = profileOf([], day);
    assert.deepEqual([q.payloadBytes.value, q.logBytes.value, q.logBytes.source], [1_500, 400, 'measured']);
  });

  it('applies a measured peak/average ratio to --volume only from a day of data', () => {
    const p = profileOf(['--volume', '1e8'], short);
    assert.equal(p.peakRps.source, 'default');
    assert.equal(p.peakRps.value, (1e8 / SECONDS_PER_MONTH) * PEAK_TO_AVERAGE.steady);
    assert.match(p.peakRps.note ?? '', /not applied to --volume: under a day/);
    assert.equal(profileOf(['--volume', '1e8'], day).peakRps.source, 'measured');
  });

  it('summarises nothing when nothing was measured', () => {
    assert.equal(summarise(null), null);
    assert.equal(profileOf(['--volume', '1e7']).measurement, null);
  });

  it('gives a Poisson range that holds the count', () => {
    const [lo, hi] = poissonRange(100);
    assert.ok(lo > 78 && lo < 83 && hi > 119 && hi < 124, `${lo} ${hi}`);
    assert.equal(poissonRange(0)[0], 0);
  });
});

describe('docs/cost-planner.md', () => {
  it('states the rules the code applies', () => {
    const md = readFileSync(join(projectRoot(), 'docs', 'cost-planner.md'), 'utf8');
    const row = (label: string, threshold: string): RegExp => new RegExp(`\\| ${label} \\| ${threshold} \\|`);
    assert.match(md, row('Minutes with a CPU reading', `at least ${EVIDENCE.minCpuMinutes}`));
    assert.match(md, row('Minutes with deliveries', `at least ${EVIDENCE.minBusyMinutes}`));
    assert.match(md, row('Deliveries in those minutes', `at least ${EVIDENCE.minDeliveries.toLocaleString('en-US')}`));
    assert.match(md, row("The slope's 95% range", `within ±${EVIDENCE.maxCpuRelativeError * 100}% of the slope`));
    assert.equal(EVIDENCE.minWindowMinutesForMonth, 24 * 60);
    assert.match(md, /Under a day of data this is an extrapolation/);
  });
});
