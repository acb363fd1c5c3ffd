import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { BucketHistogram } from './bucket-histogram.js';

test("renders exactly as prom-client's own histogram for the same observations", async () => {
  const buckets = [0.001, 0.005, 0.01, 0.1];
  const ours = new Registry();
  const theirs = new Registry();
  const h = new BucketHistogram('x_seconds', 'help text', buckets);
  ours.registerMetric(h as never);
  const p = new Histogram({ name: 'x_seconds', help: 'help text', buckets, registers: [theirs] });
  assert.equal(await ours.metrics(), await theirs.metrics());
  for (const v of [0, 0.0005, 0.001, 0.004, 0.01, 0.05, 0.1, 2, 7.5]) {
    h.observe(v);
    p.observe(v);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
});
