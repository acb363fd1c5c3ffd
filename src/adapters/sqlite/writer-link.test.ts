import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { threaded } from './writer-link.js';

/** Blocks this thread (and its event loop) for `ms`, as a long run of socket reads would. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('poll() settles an answered call without waiting for the event loop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-link-'));
  const link = await threaded(dir, 1000);
  try {
    // Awaiting settled promises runs microtasks only: the event loop never gets to the answers port here.
    const microtasks = async () => {
      await Promise.resolve();
      await Promise.resolve();
    };
    let settled = false;
    void link.call({ t: 'probe', bytes: 0 }).then(() => (settled = true));
    // The writer answers while this thread is busy; without poll() the answer waits for the event loop.
    blockFor(300);
    await microtasks();
    assert.equal(settled, false, 'left to the event loop');
    for (let i = 0; i < 500 && !settled; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(settled, true, 'settled by the event loop in the end');

    settled = false;
    void link.call({ t: 'probe', bytes: 0 }).then(() => (settled = true));
    // With poll(), it settles as soon as the answer is there, the event loop still blocked (up to 10 s on a slow machine).
    for (let i = 0; i < 200 && !settled; i++) {
      blockFor(50);
      link.poll();
      await microtasks();
    }
    assert.equal(settled, true, 'settled by poll()');
  } finally {
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
