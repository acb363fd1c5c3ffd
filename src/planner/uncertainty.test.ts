/**
 * Ranges that follow from the measured inputs, the "too close to call"
 * verdict, and sizing that accounts for the idle baseline and the host.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capacityRps, costOffer } from './dedicated.js';
import { book, defaultPricesJson, profileOf } from './fixtures.js';
import { plan } from './plan.js';
import { loadPrices } from './prices.js';
import { renderChartSvg } from './render-chart.js';
import { renderTable } from './render-table.js';
import type { CpuFit, MeasuredTraffic } from './types.js';

/** An hour at `deliveries`, peaking at 3x its average like the steady profile, with no usable CPU fit. */
const hour = (deliveries: number): MeasuredTraffic => ({
  windowMinutes: 60, deliveries, busyMinutes: 60, events: deliveries, bytesIn: deliveries * 2048,
  peakRps: (deliveries / 3600) * 3, p50Ms: 1, p99Ms: 4, cpu: null, logBytesPerDelivery: 325,
});

const offer = (name: string) => {
  const o = book.offers.find((x) => x.name === name);
  assert.ok(o, name);
  return o;
};

describe('too close to call', () => {
  const far = plan(profileOf([], hour(20_000)), book);
  const be = far.breakEvenVolume!;
  // The same shape, measured at the break-even's own rate: the counting range alone spans it.
  const close = plan(profileOf([], hour(Math.round(be / 730))), book);

  it('says so when the volume range overlaps the break-even', () => {
    assert.equal(close.recommendation.tooClose, true);
    const u = close.uncertainty!;
    assert.ok(u.volume[0] <= be && be <= u.volume[1], JSON.stringify(u));
    assert.match(close.recommendation.reasons[0] ?? '', /^Too close to call at this volume/);
    assert.match(renderTable(close), /Recommendation\s+too close to call/);
    assert.match(renderChartSvg(close), /id="too-close"/);
  });

  it('does not when the range stays on one side', () => {
    assert.equal(far.recommendation.tooClose, false);
    assert.ok(far.uncertainty!.volume[1] < be);
    assert.doesNotMatch(renderTable(far), /too close/);
  });

  it('gives ranges around both totals and draws the volume band', () => {
    const u = far.uncertainty!;
    assert.ok(u.lambda[0] < far.lambda.monthlyUsd && far.lambda.monthlyUsd < u.lambda[1], JSON.stringify(u.lambda));
    assert.ok(u.dedicated[0] <= far.dedicated.monthlyUsd && far.dedicated.monthlyUsd <= u.dedicated[1]);
    assert.match(renderChartSvg(far), /id="volume-band"/);
    assert.match(renderTable(far), /95% range\s+\$[\d,.]+ to \$[\d,.]+\s+\$[\d,.]+ to \$[\d,.]+/);
  });

  it('has no range when every input is a flag or a default', () => {
    const r = plan(profileOf(['--volume', '1e7']), book);
    assert.deepEqual([r.uncertainty, r.recommendation.tooClose, r.series.dedicatedLow], [null, false, undefined]);
  });
});

describe('a measured CPU range', () => {
  const fit: CpuFit = { perDeliveryMs: 0.2, perDeliveryMsSe: 0.02, idleMsPerMinute: 600, idleMsPerMinuteSe: 60, minutes: 1440, busyMinutes: 1400, deliveries: 5e6 };
  const busy: MeasuredTraffic = { ...hour(0), windowMinutes: 1440, deliveries: 5e6, busyMinutes: 1400, bytesIn: 5e6 * 2048, peakRps: 20_000, cpu: fit };
  const r = plan(profileOf([], busy), book);

  it('brackets the dedicated total and draws a band around the dedicated line', () => {
    const u = r.uncertainty!;
    assert.ok(u.dedicated[0] < r.dedicated.monthlyUsd && r.dedicated.monthlyUsd < u.dedicated[1], JSON.stringify(u.dedicated));
    const { dedicatedLow, dedicatedHigh, dedicated } = r.series;
    assert.ok(dedicatedLow!.every((low, i) => low <= dedicated[i]! && dedicated[i]! <= dedicatedHigh![i]!));
    assert.match(renderChartSvg(r), /data-series="dedicated-band"/);
  });

  it('says the CPU was measured on this host and how to adjust it', () => {
    assert.match(r.recommendation.reasons.join('\n'), /measured on the host that ran serve.*--cpu-ms.*speedFactor/);
    assert.match(renderTable(r), /CPU per delivery\s+0\.2 ms \(measured, 95% 0\.161 to 0\.239\)/);
  });
});

describe('sizing for the baseline and the host', () => {
  it('takes the idle baseline off each instance: (2 x 0.6 - 6,000/60,000) x 1000 / 0.5 = 2,200 rps', () => {
    const p = profileOf(['--volume', '1e7', '--cpu-ms', '0.5', '--idle-cpu-ms', '6000']);
    assert.equal(Math.round(capacityRps(p, offer('c7g.large'))), 2200);
  });

  it('divides CPU by an offer\'s speed factor from the price list', () => {
    const json = defaultPricesJson() as { offers: { name: string; speedFactor?: number }[] };
    json.offers.find((o) => o.name === 'c7g.large')!.speedFactor = 2;
    const fast = loadPrices(json);
    const p = profileOf(['--volume', '1e7', '--peak-rps', '5000', '--cpu-ms', '0.5']);
    const c = costOffer(p, fast, fast.offers.find((o) => o.name === 'c7g.large')!);
    // 2 cores x (1000 / (0.5 / 2)) x 0.6 = 4,800 rps: 5,000 rps needs 2 + 1
    assert.deepEqual([c.capacityRpsPerInstance, c.instances], [4800, 3]);
    assert.equal(costOffer(p, book, offer('c7g.large')).instances, 4);
  });

  it('rejects a speed factor that is not above zero, naming the key', () => {
    const json = defaultPricesJson() as { offers: { speedFactor?: number }[] };
    json.offers[0]!.speedFactor = 0;
    assert.throws(() => loadPrices(json), /offers\[0\]\.speedFactor/);
  });
});
