import assert from 'node:assert/strict';
import { test } from 'node:test';
import { soak, summary } from './soak.js';

// The script's short form: it runs, every request is answered 200 and each window is reported. Timings are the
// full run's to judge (RELIABILITY.md), never this test's.
test('soak, short form: 20 s at 1,000 requests/s reported per 5 s window', async () => {
  const o = { durationS: 20, rate: 1000, windowS: 5, connections: 20 };
  const r = await soak(o);
  assert.equal(r.windows.length, 4);
  for (const w of r.windows) {
    assert.equal(w.sent, 5000);
    assert.equal(w.ok, 5000, JSON.stringify(w));
    assert.ok(w.rssMb > 0 && w.p99Ms >= w.p50Ms && w.maxMs >= w.p99Ms, JSON.stringify(w));
    // The breakdown that tells a leak from caches filling is really read, not left at zero.
    assert.ok(w.memory.anonMb > 0 && w.memory.mainHeapMb > 0 && (w.memory.dataFilesMb['deliveries.db'] ?? 0) > 0, JSON.stringify(w.memory));
  }
  assert.equal(r.exitCode, 0);
  assert.match(summary(o, r), /\| 4 \| 5000 \| 5000 \|/);
});
