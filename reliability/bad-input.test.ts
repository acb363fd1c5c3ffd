import assert from 'node:assert/strict';
import { test } from 'node:test';
import { badInput } from './bad-input.js';

test('every hostile input gets its 4xx and code, the process stays up, memory stays bounded and nothing is stored (short form: one pass)', async () => {
  const r = await badInput({ passes: 1, headersTimeoutMs: 1000, requestTimeoutMs: 2000, bodyLimitBytes: 4 * 1024 * 1024 });
  for (const x of r.results) assert.deepEqual(x.got, x.expect, `${x.group}: ${x.name}`);
  assert.ok(r.results.length >= 40);
  for (const x of r.results) assert.ok(x.expect.status >= 400 && x.expect.status < 500, `${x.name} expects a 4xx`);
  assert.equal(r.aliveAfter, true);
  assert.equal(r.storedDeliveries, 0);
  // Bodies are bounded by the 4 MiB limit and the 64 MiB budget for unverified bodies; far more would be a leak.
  assert.ok(r.peakRssMb < 512, `peak RSS ${r.peakRssMb} MB`);
});
