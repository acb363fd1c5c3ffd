import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullDisk, readOnlyDir, storageFailure } from './storage-failures.js';

for (const fault of [fullDisk(16), readOnlyDir(false), readOnlyDir(true)]) {
  const why = fault.unavailable();
  test(`${fault.name}: 503 and never 200 while broken, 200 again once repaired, nothing acknowledged is lost`, { skip: why ?? false }, async () => {
    const r = await storageFailure(fault, 100);
    assert.deepEqual(r.before, { 200: 100 });
    assert.equal(r.broken['200'], undefined, `a 200 while the storage was broken: ${JSON.stringify(r.broken)}`);
    // Every request while broken is refused with 503, or cut off when the fault kills the process (see RELIABILITY.md).
    if (r.diedWith === undefined) assert.deepEqual(r.broken, { 503: 100 });
    else assert.equal(r.diedWith, 'SIGBUS');
    assert.deepEqual(r.repaired, { 200: 100 });
    assert.equal(r.aliveAfter, true);
    assert.equal(r.lost, 0);
    assert.equal(r.duplicated, 0);
  });
}
