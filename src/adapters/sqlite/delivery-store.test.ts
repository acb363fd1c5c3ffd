import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteDeliveryStore } from './delivery-store.js';

const delivery = (text: string) => ({ tenant: 'default', provider: 'cloud_api' as const, receivedAt: Date.now(), body: Buffer.from(`{"object":"x","entry":[],"t":"${text}"}`), headers: {} });

for (const thread of [false, true]) {
  test(`a callback that throws leaves no other delivery of its batch unanswered, and its error is raised (${thread ? 'writer thread' : 'inline writer'})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wahook-store-'));
    const store = await SqliteDeliveryStore.open({ dataDir: dir, thread });
    // The test runner treats an uncaught exception as a failure: take it over while the batch is answered.
    const runners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    const raised = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    const answered: number[] = [];
    try {
      // Appended in one tick: one batch, one commit.
      for (let i = 0; i < 3; i++) {
        store.appendWith(delivery(`d${i}`), (err) => {
          assert.equal(err, null);
          answered.push(i);
          if (i === 0) throw new Error('handler bug');
        });
      }
      assert.equal(((await raised) as Error).message, 'handler bug');
    } finally {
      for (const l of runners) process.on('uncaughtException', l);
    }
    assert.deepEqual(answered, [0, 1, 2]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

for (const thread of [false, true]) {
  test(`the WAL stays bounded while commits never pause (${thread ? 'writer thread' : 'inline writer'})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wahook-store-'));
    const store = await SqliteDeliveryStore.open({ dataDir: dir, thread, serving: true });
    const pad = 'x'.repeat(2000);
    let written = 0;
    let largest = 0;
    // About 24 MB in back-to-back batches, six times what one checkpoint interval lets the WAL hold.
    for (let round = 0; written < 24 * 1024 * 1024; round++) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => store.append(delivery(`${round}-${i}-${pad}`))));
      written += 200 * 2048;
      largest = Math.max(largest, statSync(join(dir, 'deliveries.db-wal')).size);
    }
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    // One checkpoint's worth of pages (about 4 MB), the batch that crossed it, and slack.
    assert.ok(largest < 8 * 1024 * 1024, `the WAL reached ${largest} bytes`);
  });
}
