import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../src/entry/logger.js';
import { startWorkerThread } from '../../src/entry/worker-host.js';
import { tempDir } from '../helpers/gateway.js';
import { cloudEnvelope, messagesChange, seedDeliveries, textMessage, until, workerConfig, writeHandlers } from '../helpers/pipeline.js';

test('a worker thread whose restart fails (storage or handlers still broken) is tried again until it starts, not given up on', async () => {
  // Prepare: the handler kills its thread once, and leaves behind what makes the next start fail (as a read-only
  // data dir does) until the test takes it away.
  const dir = tempDir();
  const broken = join(dir, 'broken');
  const died = join(dir, 'died');
  const handled = join(dir, 'handled.log');
  const handlers = writeHandlers(dir, `
    import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
    if (existsSync(${JSON.stringify(broken)})) throw new Error('cannot start yet');
    export function message(event, ctx) {
      if (!existsSync(${JSON.stringify(died)})) { writeFileSync(${JSON.stringify(died)}, ''); writeFileSync(${JSON.stringify(broken)}, ''); process.exit(3); }
      appendFileSync(${JSON.stringify(handled)}, ctx.key + '\\n');
    }
  `);
  await seedDeliveries(dir, [cloudEnvelope([messagesChange({ messages: [textMessage('wamid.restart.1', '1555', 1_700_000_000)] })])]);
  const config = workerConfig(dir, {}, { WAHOOK_HANDLERS: handlers, WAHOOK_HANDLER_TIMEOUT_MS: '200' });
  const worker = await startWorkerThread(config, createLogger('silent'));
  try {
    // Act: the thread dies in the handler; its first restart, a second later, fails.
    await until(() => existsSync(died), 20_000, 'the handler to kill its thread');
    await new Promise((r) => setTimeout(r, 2500));
    rmSync(broken);
    // Assess: a later attempt starts the thread, and the job whose worker died runs again.
    await until(() => existsSync(handled) && readFileSync(handled, 'utf8').includes('wamid.restart.1'), 30_000, 'the restarted thread to run the job');
  } finally {
    await worker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
