/**
 * The worker claims a job as soon as there is one to claim: when a drain
 * queues it, or when the job before it in its conversation is stored, never
 * only at the next poll. The poll here is a minute long, so a worker that
 * waited for it would not finish within the test's time.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import type { Config } from '../../src/config/load.js';
import { createLogger } from '../../src/entry/logger.js';
import { runWorker } from '../../src/entry/run-worker.js';
import { tempDir } from '../helpers/gateway.js';
import { cloudEnvelope, messagesChange, textMessage, until, workerConfig, writeHandlers } from '../helpers/pipeline.js';
import { dropSchema, postgres, testSchema } from '../helpers/services.js';

declare global {
  // The handlers module reports to the test through this array.
  var __wakeCalls: string[] | undefined;
}

const db = await postgres();

async function backToBack(engineFlags: (dir: string) => Promise<{ flags: Record<string, unknown>; dispose(): Promise<void> }>): Promise<void> {
  const dir = tempDir();
  const engine = await engineFlags(dir);
  globalThis.__wakeCalls = [];
  try {
    const handlers = writeHandlers(dir, `
      export async function message(event) {
        await new Promise((r) => setTimeout(r, 5));
        globalThis.__wakeCalls.push(event.messageId);
      }
    `);
    const config: Config = workerConfig(dir, { handlers, ...engine.flags }, { WAHOOK_WORKER_POLL_MS: '60000', WAHOOK_WORKER_CONCURRENCY: '4' });
    const store = await createEngine(config).openDeliveryStore();
    const ids = Array.from({ length: 6 }, (_, i) => `wamid.w${i}`);
    await store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: Date.now(), headers: {}, body: Buffer.from(JSON.stringify(cloudEnvelope([messagesChange({ messages: ids.map((id, i) => textMessage(id, '5550001', 1_700_000_000 + i)) })]))) });
    await store.close();
    const worker = await runWorker(config, createLogger('silent'));
    try {
      await until(() => globalThis.__wakeCalls!.length === ids.length, 30_000, 'six jobs of one conversation, one after another');
    } finally {
      await worker.stop();
    }
    assert.deepEqual(globalThis.__wakeCalls, ids, 'in order');
  } finally {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the worker claims without waiting for its poll', () => {
  test('on the embedded SQLite', () => backToBack(async () => ({ flags: {}, dispose: async () => {} })));

  test('on PostgreSQL', { skip: db.ok ? false : db.reason }, () => backToBack(async () => {
    if (!db.ok) throw new Error('unreachable');
    const schema = testSchema();
    const url = db.value;
    const engine = createEngine(workerConfig('.', { 'database-url': url, 'db-schema': schema }));
    await engine.migrate!();
    return { flags: { 'database-url': url, 'db-schema': schema }, dispose: () => dropSchema(url, schema) };
  }));
});
