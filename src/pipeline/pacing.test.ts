import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { EdgeActivity } from './pacing.js';

test('the worker rests as long as it worked only while the edge has traffic', () => {
  const edge = new EdgeActivity();
  const pace = edge.pacer();
  assert.equal(pace(12), 0);
  edge.note();
  assert.equal(pace(12), 12);
  assert.equal(pace(7), 0);
});

test('the counter is shared with another thread', async () => {
  const edge = new EdgeActivity();
  const pace = edge.pacer();
  const w = new Worker('const { workerData } = require("node:worker_threads"); Atomics.add(workerData, 0, 3);', { eval: true, workerData: edge.shared });
  await new Promise((r) => w.once('exit', r));
  assert.equal(Atomics.load(edge.shared, 0), 3);
  assert.equal(pace(5), 5);
});
