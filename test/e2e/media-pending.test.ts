import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { openMediaIndex } from '../../src/compose.js';
import { createLogger } from '../../src/entry/logger.js';
import { runWorker } from '../../src/entry/run-worker.js';
import { drainOnce } from '../../src/pipeline/drain.js';
import { targetSpecs } from '../../src/pipeline/targets.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { tempDir } from '../helpers/gateway.js';
import { cli, imageMessage, mediaItems } from '../helpers/media.js';
import { cloudEnvelope, messagesChange, openStores, seedDeliveries, textMessage, until, workerConfig } from '../helpers/pipeline.js';

let graph: FakeGraph;
before(async () => { graph = await startFakeGraph(); });
after(async () => { await graph.close(); });

const nowSec = (): number => Math.floor(Date.now() / 1000);

test('a media message is listed pending as soon as it is stored, before its download starts', async () => {
  const dir = tempDir();
  const env = {
    WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'x', WAHOOK_MEDIA: 'on', WAHOOK_ACCESS_TOKEN: graph.token, WAHOOK_GRAPH_URL: graph.url, WAHOOK_MEDIA_HOSTS: graph.hostPort,
    WAHOOK_WORKER_POLL_MS: '5',
  };
  try {
    // Prepare: an image and a text, turned into events the way the worker's drain does it, with no media runner running.
    const body = randomBytes(4_000);
    graph.media.set('mp', { body });
    await seedDeliveries(dir, [cloudEnvelope([messagesChange({ messages: [imageMessage('wamid.p', '111', nowSec(), 'mp', body), textMessage('wamid.t', '111', nowSec())] })])]);
    const config = workerConfig(dir, {}, env);
    const stores = await openStores(dir);
    try {
      assert.equal((await drainOnce(stores.log, stores.events, 50, targetSpecs(config))).inserted, 2);
    } finally {
      await stores.close();
    }

    // Act & assess: the image is listed pending, with what its webhook said, though no attempt has been made.
    const [queued, ...others] = await mediaItems(env);
    assert.deepEqual(others, [], 'the text message has no media item');
    assert.deepEqual(
      [queued!.messageId, queued!.state, queued!.kind, queued!.mimeType, queued!.attempts, queued!.bytes, queued!.location, queued!.error],
      ['wamid.p', 'pending', 'image', 'image/jpeg', 0, null, null, null],
    );
    assert.equal(typeof queued!.jobSeq, 'number');
    assert.equal(graph.requests.length, 0, 'nothing was fetched yet');
    assert.deepEqual((await cli(['media', '--state', 'pending'], env)).out.trim().split('\n').map((l) => JSON.parse(l).messageId), ['wamid.p']);
    const fetch = await cli(['media', 'fetch', 'wamid.p'], env);
    assert.deepEqual([fetch.code, JSON.parse(fetch.out)], [0, { tenant: 'default', messageId: 'wamid.p', queued: false, reason: 'its download is already queued' }], fetch.err);
    const index = await openMediaIndex(config);
    assert.deepEqual(await index.counts(), { pending: 1, ready: 0, failed: 0 });

    // Act: the worker runs the job; the same item becomes ready and keeps the time it was first listed.
    const worker = await runWorker(config, createLogger('silent'));
    try {
      await until(async () => (await mediaItems(env))[0]!.state === 'ready', 10_000, 'the item to be ready');
    } finally {
      await worker.stop();
    }
    const [ready] = await mediaItems(env);
    assert.deepEqual([ready!.attempts, ready!.bytes, ready!.jobSeq, ready!.createdAt], [1, body.length, queued!.jobSeq, queued!.createdAt]);
    assert.deepEqual(await index.counts(), { pending: 0, ready: 1, failed: 0 });
    await index.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
