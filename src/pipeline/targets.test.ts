import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { loadConfig } from '../config/load.js';
import type { WahookEvent } from '../core/events.js';
import { buildTargets } from './targets.js';

test('a forwarding POST is given up at the job\'s own limit when forwardTimeoutMs is longer, so it cannot arrive after the runner moved on', async () => {
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/hook`;
    const config = loadConfig({ env: { WAHOOK_FORWARD_URL: url, WAHOOK_FORWARD_SECRET: 'whsec_c2VjcmV0', WAHOOK_FORWARD_TIMEOUT_MS: '60000', WAHOOK_HANDLER_TIMEOUT_MS: '300' } });
    const { run } = await buildTargets(config);
    const event = { key: 'k', kind: 'message', type: 'text', tenant: 'default', provider: 'cloud_api', timestamp: 1, deliveryId: '1' } as WahookEvent;
    const started = Date.now();
    await assert.rejects(run.forward!({ seq: 1, target: 'forward', conversation: 'c', attempts: 0, event }, new AbortController().signal));
    assert.ok(Date.now() - started < 5_000, `gave up after ${Date.now() - started} ms`);
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});
