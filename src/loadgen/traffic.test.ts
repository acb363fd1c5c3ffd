import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INBOUND_TYPES } from './message-types.js';
import { burst, constantRate, ramp } from './schedule.js';
import { buildTraffic } from './traffic.js';

interface Change { value: { messages?: { id: string; type: string }[]; statuses?: { id: string; status: string; timestamp: string }[] } }
const changeOf = (body: Buffer): Change['value'] => (JSON.parse(body.toString()) as { entry: { changes: Change[] }[] }).entry[0]!.changes[0]!.value;

describe('traffic mix', () => {
  const t = buildTraffic({ count: 4000, duplicateRate: 0.1, tag: 'tst', nowSec: 1_790_000_000, seed: 7 });

  it('sends exactly the requested number of requests, each carrying a planned delivery', () => {
    assert.equal(t.sends.length, 4000);
    for (const d of t.sends) assert.ok(d < t.deliveries.length);
  });

  it('has inbound messages of every type and ids marked with the run tag', () => {
    const types = new Set(t.deliveries.flatMap((d) => (changeOf(d.body).messages ?? []).map((m) => m.type)));
    assert.deepEqual([...types].sort(), [...new Set(INBOUND_TYPES.map((x) => x.type))].sort());
    for (const d of t.deliveries) for (const id of d.expects) assert.match(id, /wamid\.HBgLtst_/);
  });

  it('gives outbound messages sent, delivered and read, some arriving out of order but timed in order', () => {
    const arrivals = new Map<string, { status: string; ts: number }[]>();
    for (const d of t.deliveries) for (const s of changeOf(d.body).statuses ?? []) arrivals.set(s.id, [...(arrivals.get(s.id) ?? []), { status: s.status, ts: Number(s.timestamp) }]);
    const complete = [...arrivals.values()].filter((a) => a.length === 3);
    assert.ok(complete.length > 100);
    for (const a of complete) {
      assert.deepEqual(a.map((x) => x.status).sort(), ['delivered', 'read', 'sent']);
      const byTime = [...a].sort((x, y) => x.ts - y.ts).map((x) => x.status);
      assert.deepEqual(byTime, ['sent', 'delivered', 'read']);
    }
    const shuffled = complete.filter((a) => a.map((x) => x.status).join() !== 'sent,delivered,read');
    assert.ok(shuffled.length > 0, 'some statuses arrive out of order');
    assert.ok(t.outOfOrder.length >= shuffled.length);
  });

  it('batches several items into some deliveries', () => {
    const sizes = t.deliveries.map((d) => d.expects.length);
    assert.ok(sizes.filter((n) => n > 1).length > t.deliveries.length * 0.1);
    for (const d of t.deliveries) {
      const v = changeOf(d.body);
      assert.equal((v.messages?.length ?? 0) + (v.statuses?.length ?? 0), d.expects.length);
    }
  });

  it('re-sends about the duplicate rate of deliveries, some at once and some later', () => {
    const resent = t.sends.length - t.deliveries.length;
    assert.equal(resent, t.duplicates + t.retries);
    assert.ok(t.duplicates > 0 && t.retries > 0);
    assert.ok(Math.abs(resent / t.deliveries.length - 0.1) < 0.03, `re-sent ${resent} of ${t.deliveries.length}`);
  });

  it('is the same for the same seed and sends no re-sends at rate 0', () => {
    const again = buildTraffic({ count: 4000, duplicateRate: 0.1, tag: 'tst', nowSec: 1_790_000_000, seed: 7 });
    assert.deepEqual(again.sends, t.sends);
    assert.ok(again.deliveries.every((d, i) => d.body.equals(t.deliveries[i]!.body)));
    const none = buildTraffic({ count: 500, duplicateRate: 0, tag: 'x', nowSec: 1 });
    assert.equal(new Set(none.sends).size, 500);
  });
});

describe('schedules', () => {
  it('a constant rate spaces requests evenly over the duration', () => {
    const s = constantRate(200, 3);
    assert.equal(s.count, 600);
    assert.equal(s.dueMs(100), 500);
    assert.ok(s.dueMs(599) < 3000);
  });

  it('a burst fits its requests into one second', () => {
    const s = burst(5000);
    assert.equal(s.count, 5000);
    assert.ok(s.dueMs(4999) < 1000);
  });

  it('a ramp sends fewer requests early than late and ends at the duration', () => {
    const s = ramp(0, 100, 10);
    assert.equal(s.count, 500);
    const firstHalf = Array.from({ length: s.count }, (_, i) => s.dueMs(i)).filter((t) => t < 5000).length;
    assert.ok(Math.abs(firstHalf - 125) <= 1, `${firstHalf} in the first half`);
    assert.ok(Math.abs(s.dueMs(499) - 10_000) < 50);
    for (let i = 1; i < s.count; i++) assert.ok(s.dueMs(i) >= s.dueMs(i - 1));
  });
});
