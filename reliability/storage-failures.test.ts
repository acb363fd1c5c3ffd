import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullDisk, readOnlyDir, storageFailure } from './storage-failures.js';

// The variant that also freezes SQLite's mapped WAL index is left to the full form: it can kill the process with
// SIGBUS, and under load it has also left the edge not answering at all, which is not understood yet (RELIABILITY.md).
for (const fault of [fullDisk(16), readOnlyDir(false)]) {
  const why = fault.unavailable();
  test(`${fault.name}: 503 and never 200 while broken, 200 again once repaired, nothing acknowledged is lost`, { skip: why ?? false }, async () => {
    const r = await storageFailure(fault, 100);
    assert.deepEqual(r.before, { 200: 100 });
    assert.equal(r.readyzWhileBroken, 503);
    assert.equal(r.diedWith, undefined);
    // Every delivery refused: on the full disk the reserve refuses before SQLite could still squeeze a commit in.
    assert.deepEqual(r.broken, { 503: 100 });
    // Back by itself, no restart: the reserve is read again and the next deliveries are stored.
    assert.deepEqual(r.repaired, { 200: 100 });
    assert.equal(r.aliveAfter, true);
    assert.equal(r.lost, 0);
    assert.equal(r.duplicated, 0);
  });
}

const readOnly = readOnlyDir(false);
test('read-only data dir before the worker first writes: once repaired, the worker drains again (a new thread with new connections)', { skip: readOnly.unavailable() ?? false }, async () => {
  const r = await storageFailure(readOnly, 100, { warmUp: false });
  assert.deepEqual(r.broken, { 503: 100 });
  assert.deepEqual(r.repaired, { 200: 100 });
  // verifyExactlyOnce waits for the backlog to drain: before the fix the worker's connection stayed read-only and it never did.
  assert.equal(r.lost, 0);
  assert.equal(r.duplicated, 0);
});
