import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config/load.js';
import { createEngine, writerThread } from './compose.js';

test('the store writer gets its own thread from four cores up, or when asked; otherwise the event loop commits', () => {
  assert.equal(writerThread('auto', 1), false);
  assert.equal(writerThread('auto', 2), false);
  assert.equal(writerThread('auto', 3), false);
  assert.equal(writerThread('auto', 4), true);
  assert.equal(writerThread('auto', 16), true);
  assert.equal(writerThread('thread', 1), true);
  assert.equal(writerThread('inline', 16), false);
});

test('the composed embedded engine offers retention, so the worker prunes old rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-compose-'));
  try {
    const engine = createEngine(loadConfig({ env: { WAHOOK_DATA_DIR: dir } }));
    assert.equal(typeof engine.openRetention, 'function');
    const retention = await engine.openRetention!();
    assert.equal(await retention.prune('deliveries', Date.now() - 86_400_000, 10), 0);
    await retention.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
