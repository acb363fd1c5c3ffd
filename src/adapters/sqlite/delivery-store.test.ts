import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteDeliveryStore } from './delivery-store.js';
import { SqliteDeliveryLog } from './delivery-log.js';
import { START } from '../../ports/delivery-log.js';

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
    // About 24 MB in back-to-back batches, six times the pages one checkpoint copies back (about 4 MB).
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

test('headers read back exactly: the usual ones stored as the signature bytes, others and older rows as JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-store-'));
  const store = await SqliteDeliveryStore.open({ dataDir: dir, thread: false });
  const usual = { 'x-hub-signature-256': `sha256=${'5a'.repeat(32)}`, 'content-type': 'application/json' };
  const other = { 'content-type': 'application/json; charset=utf-8' };
  await store.append({ ...delivery('usual'), headers: usual });
  await store.append({ ...delivery('other'), headers: other });
  await store.close();
  const reader = new SqliteDeliveryLog(dir);
  const raw = reader.db.prepare('SELECT headers, length(signature) AS n FROM deliveries ORDER BY id').all();
  assert.deepEqual(raw, [{ headers: '', n: 32 }, { headers: JSON.stringify(other), n: null }]);
  // A row written before the signature column existed.
  reader.db.prepare("INSERT INTO deliveries (tenant, provider, received_at, digest, headers, body) VALUES ('default', 'cloud_api', 1, x'00', ?, x'7b7d')").run(JSON.stringify(usual));
  assert.deepEqual((await reader.read(START, 10, { withHeaders: true })).deliveries.map((d) => d.headers), [usual, other, usual]);
  await reader.close();
  rmSync(dir, { recursive: true, force: true });
});
