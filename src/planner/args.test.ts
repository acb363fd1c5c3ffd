/**
 * Flag parsing and profile building: every rejection names the flag, and
 * every input records whether it was measured, flagged or defaulted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCostArgs } from './args.js';
import { plannerError, profileOf } from './fixtures.js';
import { PEAK_TO_AVERAGE, SECONDS_PER_MONTH, withVolume } from './profile.js';
import type { MeasuredTraffic } from './types.js';

describe('parseCostArgs', () => {
  it('reads values, --flag=value and --json', () => {
    const a = parseCostArgs(['--volume', '10_000_000', '--arch=arm64', '--free-tier', 'on', '--json', '--svg', 'c.svg', '--memory-mb', '1024']);
    assert.deepEqual(a, { json: true, volume: 10_000_000, arch: 'arm64', freeTier: true, svgFile: 'c.svg', memoryMb: 1024 });
    assert.equal(parseCostArgs(['--volume', '1e7']).volume, 1e7);
    assert.equal(parseCostArgs(['--free-tier', 'off']).freeTier, false);
  });

  const cases: [string[], string][] = [
    [['--colour', 'red'], '--colour'],
    [['--volume', 'ten'], '--volume'],
    [['--peak-rps', '12abc'], '--peak-rps'],
    [['--duration-ms', '-5'], '--duration-ms'],
    [['--memory-mb', '64'], '--memory-mb'],
    [['--memory-mb', '512.5'], '--memory-mb'],
    [['--memory-mb', '20000'], '--memory-mb'],
    [['--arch', 'sparc'], '--arch'],
    [['--front-door', 'cloudfront'], '--front-door'],
    [['--profile', 'spiky'], '--profile'],
    [['--free-tier', 'yes'], '--free-tier'],
    [['--cold-start-rate', '1.5'], '--cold-start-rate'],
    [['--target-utilisation', '0'], '--target-utilisation'],
    [['--account-concurrency', 'lots'], '--account-concurrency'],
    [['--volume'], '--volume'],
    [['--prices', '--json'], '--prices'],
    [['--json=yes'], '--json'],
    [['10000000'], '10000000'],
  ];
  for (const [argv, flag] of cases) {
    it(`rejects ${argv.join(' ')} naming ${flag}`, () => {
      assert.ok(plannerError(() => parseCostArgs(argv)).message.includes(flag));
    });
  }
});

const measured: MeasuredTraffic = {
  windowMinutes: 60, deliveries: 60_000, events: 66_000, bytesIn: 60_000 * 1_200,
  peakRps: 50, p50Ms: 1.8, p99Ms: 6, logBytesPerDelivery: 900,
  cpu: { perDeliveryMs: 0.04, perDeliveryMsSe: 0.001, idleMsPerMinute: 250, idleMsPerMinuteSe: 12, minutes: 60, busyMinutes: 60, deliveries: 60_000 },
};
/** The same rate over a whole day: enough to carry its peak/average ratio over to a planned volume. */
const dayLong: MeasuredTraffic = { ...measured, windowMinutes: 1440, deliveries: 1_440_000, bytesIn: 1_440_000 * 1_200 };

describe('buildProfile', () => {
  it('needs a volume when nothing was measured', () => {
    assert.match(plannerError(() => profileOf([])).message, /--volume/);
  });

  it('uses defaults without measurements, peak from the steady ratio', () => {
    const p = profileOf(['--volume', '10000000']);
    assert.equal(p.volume.source, 'flag');
    assert.equal(p.peakRps.source, 'default');
    assert.equal(p.peakRps.value, (10_000_000 / SECONDS_PER_MONTH) * PEAK_TO_AVERAGE.steady);
    assert.equal(p.frontDoor.value, 'function-url');
    assert.equal(p.freeTier.value, false);
    assert.equal(p.coldStartRate.value, 0.01);
    assert.equal(p.initMs.value, 150);
  });

  it('campaign profile: peak 1,000 x average', () => {
    const p = profileOf(['--volume', '10000000', '--profile', 'campaign']);
    assert.equal(Math.round(p.peakRps.value), 3805);
  });

  it('extrapolates the measured window to a 730-hour month', () => {
    const p = profileOf([], measured);
    // 60,000 deliveries an hour x 730 h
    assert.equal(p.volume.value, 43_800_000);
    assert.equal(p.volume.source, 'measured');
    assert.equal(p.peakRps.value, 50);
    assert.equal(p.peakRps.source, 'measured');
    assert.deepEqual([p.logBytes.value, p.logBytes.source], [900, 'measured']);
    assert.deepEqual([p.payloadBytes.value, p.payloadBytes.source], [1_200, 'measured']);
    assert.deepEqual([p.cpuMsPerDelivery.value, p.cpuMsPerDelivery.source], [0.04, 'measured']);
  });

  it('lets flags override measurements, keeping a day-long measured peak/average ratio', () => {
    const p = profileOf(['--volume', '438000000', '--log-bytes', '300', '--cpu-ms', '0.1'], dayLong);
    assert.equal(p.volume.source, 'flag');
    assert.ok(Math.abs(p.peakRps.value - 500) < 1e-9); // 10x the volume, 10x the peak
    assert.deepEqual([p.logBytes.value, p.logBytes.source], [300, 'flag']);
    assert.deepEqual([p.cpuMsPerDelivery.value, p.cpuMsPerDelivery.source], [0.1, 'flag']);
    assert.equal(profileOf(['--peak-rps', '80'], measured).peakRps.source, 'flag');
  });

  it('rejects a peak below the average, naming --peak-rps', () => {
    assert.match(plannerError(() => profileOf(['--volume', '1e9', '--peak-rps', '1'])).message, /--peak-rps/);
  });

  it('rejects bad measurements, naming the field', () => {
    assert.match(plannerError(() => profileOf([], { ...measured, windowMinutes: 0 })).message, /measured\.windowMinutes/);
    assert.match(plannerError(() => profileOf([], { ...measured, peakRps: Number.NaN })).message, /measured\.peakRps/);
  });

  it('withVolume scales the peak with the volume', () => {
    const p = profileOf(['--volume', '10000000', '--peak-rps', '50']);
    assert.ok(Math.abs(withVolume(p, 20_000_000).peakRps.value - 100) < 1e-9);
  });
});
