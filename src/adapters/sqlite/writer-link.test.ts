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
    for (const polled of [false, true]) {
      let settled = false;
      void link.call({ t: 'probe', bytes: 0 }).then(() => (settled = true));
      // The writer answers while this thread is busy; the answer sits in the port.
      blockFor(300);
      if (polled) link.poll();
      await Promise.resolve();
      await Promise.resolve();
      assert.equal(settled, polled, polled ? 'settled by poll()' : 'left to the event loop');
      // Either way it settles in the end.
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(settled, true);
    }
  } finally {
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
