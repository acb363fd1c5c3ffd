/**
 * Dedicated sizing and pricing, by hand: capacity per instance =
 * cores x (1000 / cpuMs) x utilisation ceiling; instances = ceil(peak / capacity) + 1.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costOffer, dedicatedCost } from './dedicated.js';
import { book, cents, plannerError, profileOf } from './fixtures.js';
import type { MeasuredTraffic } from './types.js';

const offer = (name: string) => {
  const o = book.offers.find((x) => x.name === name);
  assert.ok(o, name);
  return o;
};

describe('dedicated sizing', () => {
  it('2 cores at 0.5 ms CPU and 60%: 2,400 rps each, 5,000 rps peak needs 3 + 1 = 4', () => {
    const p = profileOf(['--volume', '10000000', '--peak-rps', '5000', '--cpu-ms', '0.5']);
    const c = costOffer(p, book, offer('c7g.large'));
    assert.equal(c.capacityRpsPerInstance, 2400);
    assert.equal(c.instances, 4);
    // 4 x ($0.0725 x 730 + $3.65 IPv4 + 20 GB x $0.08) + ALB ($16.425 + $7.30 + 111.11 LCU-h x $0.008)
    //  = 4 x $58.175 + $24.614 = $257.31
    assert.equal(cents(c.total), 257.31);
  });

  it('keeps a spare even when one instance holds the peak', () => {
    const p = profileOf(['--volume', '1000000', '--peak-rps', '1']);
    assert.equal(dedicatedCost(p, book).instances, 2);
  });

  it('picks the cheapest offer: 2 x Hetzner CX23 at EUR 5.49 + EUR 0.50 IPv4 (x 1.1637) + ALB = $38.56', () => {
    const d = dedicatedCost(profileOf(['--volume', '10000000', '--peak-rps', '50']), book);
    assert.equal(d.offer.name, 'CX23');
    assert.equal(cents(d.offer.price), 6.39);
    assert.equal(cents(d.monthlyUsd), 38.56);
    assert.equal(d.loadBalancer.included, true);
    assert.ok(d.alternatives.every((a) => a.monthlyUsd >= d.monthlyUsd));
  });

  it('filters offers by --cores-per-instance', () => {
    const d = dedicatedCost(profileOf(['--volume', '10000000', '--cores-per-instance', '8']), book);
    assert.equal(d.offer.cores, 8);
    const e = plannerError(() => dedicatedCost(profileOf(['--volume', '10000000', '--cores-per-instance', '3']), book));
    assert.match(e.message, /--cores-per-instance/);
  });

  it('totals its breakdown', () => {
    const d = dedicatedCost(profileOf(['--volume', '50000000', '--peak-rps', '20000']), book);
    const b = d.breakdown;
    assert.equal(cents(d.monthlyUsd), cents(b.instances + b.ipv4 + b.disks + b.loadBalancer));
  });
});

describe('utilisation ceiling from --target-p99-ms', () => {
  const measured: MeasuredTraffic = {
    windowMinutes: 60, deliveries: 36000, events: 40000, bytesIn: 36000 * 1500,
    peakRps: 30, p50Ms: 1.5, p99Ms: 4,
    cpu: { perDeliveryMs: 0.05, perDeliveryMsSe: 0.001, idleMsPerMinute: 0, idleMsPerMinuteSe: 0, minutes: 60, busyMinutes: 60, deliveries: 36000 },
  };

  it('keeps --target-utilisation when the target is loose', () => {
    const p = profileOf(['--target-p99-ms', '100'], measured);
    assert.equal(p.utilisationCeiling.value, 0.6);
  });

  it('tightens it when latency would grow past the target: 1 - 4 ms / 8 ms = 0.5', () => {
    const p = profileOf(['--target-p99-ms', '8'], measured);
    assert.equal(p.utilisationCeiling.value, 0.5);
    assert.equal(p.utilisationCeiling.source, 'flag');
    // 2 cores x (1000 / 0.05) x 0.5 = 20,000 rps per instance
    assert.equal(costOffer(p, book, offer('c7g.large')).capacityRpsPerInstance, 20000);
  });

  it('rejects a target at or below the measured p99, naming the flag', () => {
    assert.match(plannerError(() => profileOf(['--target-p99-ms', '3'], measured)).message, /--target-p99-ms/);
  });
});
