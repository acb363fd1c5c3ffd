import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { collectStats } from '../../src/pipeline/stats.js';
import { tempDir } from '../helpers/gateway.js';
import { cloudEnvelope, messagesChange, openStores, seedDeliveries, status, textMessage, until, writeHandlers } from '../helpers/pipeline.js';
import { spawnWahook } from '../helpers/process.js';

test('a worker killed with SIGKILL mid-backlog loses nothing and duplicates no event', async () => {
  // Prepare: 3,000 deliveries, each a message and its statuses (12,000 events).
  const dir = tempDir();
  const bodies: object[] = [];
  for (let i = 0; i < 3000; i++) {
    const id = `wamid.crash.${i}`;
    bodies.push(cloudEnvelope([messagesChange({ messages: [textMessage(id, String(1000 + (i % 50)), 1_700_000_000 + i)], statuses: [status(id, 'sent', 1_700_000_001 + i), status(id, 'delivered', 1_700_000_002 + i), status(id, 'read', 1_700_000_003 + i)] })]));
  }
  await seedDeliveries(dir, bodies);
  const out = join(dir, 'handled.log');
  const handlers = writeHandlers(dir, `
    import { appendFileSync } from 'node:fs';
    export function message(event, ctx) { appendFileSync(${JSON.stringify(out)}, ctx.key + '\\n'); }
  `);
  const env = { WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'x', WAHOOK_HANDLERS: handlers, WAHOOK_WORKER_BATCH: '100', WAHOOK_WORKER_POLL_MS: '5', WAHOOK_HANDLER_TIMEOUT_MS: '2000' };
  const stores = await openStores(dir);
  const stats = () => collectStats(stores.log, stores.query, stores.jobs, Date.now());
  // Deliveries the worker has taken.
  const cursor = async (): Promise<number> => 3000 - (await stats()).queueDepth;
  // Act: kill -9 while the backlog is half drained, then restart until drained.
  const first = spawnWahook(['worker'], env);
  const second = { child: null as ReturnType<typeof spawnWahook> | null };
  try {
  await until(async () => (await cursor()) >= 800, 30_000, 'worker progress');
  first.child.kill('SIGKILL');
  await first.exited;
  const killedAt = await cursor();
  assert.ok(killedAt < 3000, `killed at ${killedAt}`);
  second.child = spawnWahook(['worker'], env);
  await until(async () => (await cursor()) === 3000, 60_000, 'worker to drain after restart');
  await until(async () => (await stats()).jobsPending === 0, 60_000, 'handler jobs');
  second.child.child.kill('SIGTERM');
  const { code } = await second.child.exited;
  // Assess
  assert.equal(code, 0);
  const events = await stores.query.events({ limit: 100_000 });
  assert.equal(events.length, 12_000);
  assert.equal(new Set(events.map((e) => e.key)).size, 12_000);
  assert.equal((await stores.query.messages(100_000)).filter((m) => m.status === 'read').length, 3000);
  const handled = new Set(readFileSync(out, 'utf8').trim().split('\n'));
  assert.equal(handled.size, 3000, 'every message handled at least once');
  } finally {
    // A failed wait must not leave a worker running after the test.
    first.child.kill('SIGKILL');
    second.child?.child.kill('SIGKILL');
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
