import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/entry/logger.js';
import { runWorker } from '../../src/entry/run-worker.js';
import { startFakeGraph } from '../helpers/fake-graph.js';
import { tempDir } from '../helpers/gateway.js';
import { cli, imageMessage, mediaItems } from '../helpers/media.js';
import { cloudEnvelope, messagesChange, until } from '../helpers/pipeline.js';
import { dropSchema, postgres, testSchema } from '../helpers/services.js';

const db = await postgres();

test('on PostgreSQL: the worker stores media verified, and `wahook media` and `events --kind media` read it back', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  // Prepare: a migrated schema of the test's own, a fake Graph API, and one image delivery stored as the edge stores it.
  const graph = await startFakeGraph();
  const schema = testSchema();
  const dir = tempDir();
  const env = {
    DATABASE_URL: db.value, WAHOOK_DB_SCHEMA: schema, WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'x', WAHOOK_WORKER_POLL_MS: '10',
    WAHOOK_MEDIA: 'on', WAHOOK_ACCESS_TOKEN: graph.token, WAHOOK_GRAPH_URL: graph.url, WAHOOK_MEDIA_HOSTS: graph.hostPort,
  };
  const body = randomBytes(30_000);
  graph.media.set('pg', { body, mimeType: 'image/png' });
  try {
    assert.equal((await cli(['migrate'], env)).code, 0);
    const config = loadConfig({ env });
    const store = await createEngine(config).openDeliveryStore();
    const payload = Buffer.from(JSON.stringify(cloudEnvelope([messagesChange({ messages: [imageMessage('wamid.pg', '111', Math.floor(Date.now() / 1000), 'pg', body)] })])));
    await store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: Date.now(), body: payload, headers: {} });
    await store.close();

    // Act
    const worker = await runWorker(config, createLogger('silent'));
    try {
      await until(async () => (await mediaItems(env))[0]?.state === 'ready', 15_000, 'the item to be ready');
    } finally {
      await worker.stop();
    }

    // Assess
    const [item] = await mediaItems(env);
    assert.deepEqual([item!.messageId, item!.mimeType, item!.bytes, item!.attempts], ['wamid.pg', 'image/png', body.length, 1]);
    assert.deepEqual(readFileSync(fileURLToPath(item!.location!)), body);
    const events = (await cli(['events', '--kind', 'media'], env)).out.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.deepEqual(events.map((e) => e.type), ['media.ready']);
  } finally {
    await graph.close();
    await dropSchema(db.value, schema);
    rmSync(dir, { recursive: true, force: true });
  }
});
