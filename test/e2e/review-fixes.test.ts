import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createAccessCheck } from '../../src/dashboard/auth.js';
import { drainOnce, replay } from '../../src/pipeline/drain.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { runWahook } from '../helpers/process.js';
import { SECRET, startGateway, tempDir } from '../helpers/gateway.js';
import { collectStats } from '../../src/pipeline/stats.js';
import { cloudEnvelope, messagesChange, openStores, seedDeliveries, textMessage } from '../helpers/pipeline.js';

test('tenant names that are Object.prototype members are unknown tenants', async () => {
  const g = await startGateway();
  try {
    const body = cloudTextBody();
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const r = await http(`${g.url}/webhook/${name}`, { body, headers: signedHeaders(body, SECRET) });
      assert.equal(r.status, 404, name);
      assert.equal(r.json().error.code, 'WAHOOK_ERR_TENANT_UNKNOWN');
    }
  } finally {
    await g.close();
  }
});

test('a payload nested too deeply to walk becomes an unknown event and the worker moves on', async () => {
  const dir = tempDir();
  const deep = `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"x","value":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}]}`;
  await seedDeliveries(dir, [deep, cloudEnvelope([messagesChange({ messages: [textMessage('wamid.after.deep', '1', 1)] })])]);
  const s = await openStores(dir);
  while ((await drainOnce(s.log, s.events, 1, [])).deliveries > 0);
  const q = s.query;
  const [unknown] = await q.events({ kind: 'unknown' });
  assert.equal(typeof unknown!.rawText, 'string');
  assert.equal((unknown!.rawText as string).length, deep.length);
  assert.equal((await q.events({ kind: 'message' }))[0]!.messageId, 'wamid.after.deep');
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

test('replay never takes deliveries the worker has not reached', async () => {
  const dir = tempDir();
  await seedDeliveries(dir, [1, 2, 3].map((i) => cloudEnvelope([messagesChange({ messages: [textMessage(`wamid.rp.${i}`, '1', i)] })])));
  const s = await openStores(dir);
  const handler = [{ name: 'handler' }];
  await drainOnce(s.log, s.events, 1, handler);
  const r = await replay(s.log, s.events, {}, []);
  assert.deepEqual(r, { deliveries: 1, inserted: 0, duplicates: 1 });
  while ((await drainOnce(s.log, s.events, 10, handler)).deliveries > 0);
  assert.equal((await collectStats(s.log, s.query, s.jobs, Date.now())).jobsPending, 3, 'the worker made jobs for every event');
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

test('serve exits with a clear error when its port is taken, and bad timeouts name the key', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const dir = tempDir();
  const r = await runWahook(['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dir], { WAHOOK_APP_SECRET: 's' });
  blocker.close();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /WAHOOK_ERR_CONFIG_INVALID.*"port".*EADDRINUSE/);
  const t = await runWahook(['config', 'print', '--data-dir', dir], { WAHOOK_REQUEST_TIMEOUT_MS: '5000' });
  assert.equal(t.code, 1);
  assert.match(t.stderr, /"headersTimeoutMs"/);
  rmSync(dir, { recursive: true, force: true });
});

test('on a loopback bind without a token, a request that came through a proxy is refused', () => {
  const check = createAccessCheck({ host: '127.0.0.1', adminToken: undefined, metricsRequireToken: false });
  const direct = { headers: { host: '127.0.0.1:3000' }, socket: { localPort: 3000 } } as never;
  const proxied = { headers: { host: '127.0.0.1:3000', 'x-forwarded-for': '203.0.113.9' }, socket: { localPort: 3000 } } as never;
  assert.equal(check.allowed(direct, 'api', new URLSearchParams()), true);
  assert.equal(check.allowed(proxied, 'api', new URLSearchParams()), false);
  assert.equal(check.allowed(proxied, 'metrics', new URLSearchParams()), true);
});

test('a handler that never settles is timed out, retried and dead-lettered', async () => {
  const { runWorker } = await import('../../src/entry/run-worker.js');
  const { createLogger } = await import('../../src/entry/logger.js');
  const { workerConfig, writeHandlers, until } = await import('../helpers/pipeline.js');
  const dir = tempDir();
  await seedDeliveries(dir, [cloudEnvelope([messagesChange({ messages: [textMessage('wamid.hang', '1', 1)] })])]);
  const handlers = writeHandlers(dir, 'export function message() { return new Promise(() => {}); }');
  const worker = await runWorker(workerConfig(dir, { handlers }, { WAHOOK_HANDLER_TIMEOUT_MS: '100', WAHOOK_WORKER_MAX_ATTEMPTS: '2' }), createLogger('silent'));
  const q = (await openStores(dir)).jobs;
  await until(async () => (await q.deadLetters(5)).length === 1, 15_000, 'dead letter');
  const [dead] = await q.deadLetters(5);
  assert.match(dead!.lastError, /timed out after 100 ms/);
  assert.equal(dead!.attempts, 2);
  await worker.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('under serve, a handler that leaves an uncaught exception does not stop the worker, and SIGTERM still exits 0', async () => {
  const { freePort, spawnWahook, waitForHttp } = await import('../helpers/process.js');
  const { writeHandlers, until } = await import('../helpers/pipeline.js');
  const dir = tempDir();
  const handlers = writeHandlers(dir, `export function message(e) { setTimeout(() => { throw new Error('stray ' + e.messageId); }, 0); }`);
  const port = await freePort();
  const server = spawnWahook(['serve'], { WAHOOK_APP_SECRET: 's', WAHOOK_DATA_DIR: dir, PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_HANDLERS: handlers, WAHOOK_LOG_LEVEL: 'error' });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    for (let i = 0; i < 3; i++) {
      const body = cloudTextBody('x', `wamid.stray.${i}`);
      assert.equal((await http(`http://127.0.0.1:${port}/webhook`, { body, headers: signedHeaders(body, 's') })).status, 200);
      await until(async () => {
        const s = JSON.parse((await runWahook(['stats', '--json'], { WAHOOK_DATA_DIR: dir })).stdout);
        return s.events === i + 1 && s.jobsPending === 0;
      }, 15_000, `event ${i} handled`);
    }
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0, server.stderr());
    assert.match(server.stderr(), /stray wamid\.stray\.2/);
  } finally {
    server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
