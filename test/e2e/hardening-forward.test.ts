import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { WahookEvent } from '../../src/core/events.js';
import { webhookIdFor } from '../../src/core/standard-webhooks.js';
import { createLogger } from '../../src/entry/logger.js';
import { forwardEvent } from '../../src/pipeline/forward.js';
import { JobRunner } from '../../src/pipeline/jobs.js';
import { runWorker } from '../../src/entry/run-worker.js';
import type { Job, JobQueue } from '../../src/ports/job-queue.js';
import { tempDir } from '../helpers/gateway.js';
import { cloudEnvelope, messagesChange, openStores, seedDeliveries, textMessage, until, workerConfig } from '../helpers/pipeline.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const logger = createLogger('silent');

interface Hit { headers: IncomingMessage['headers']; body: string; path: string }

async function destination(answer: (hit: Hit, n: number, res: ServerResponse) => void): Promise<{ url: string; hits: Hit[]; server: Server }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' };
      hits.push(hit);
      answer(hit, hits.length, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits, server };
}

const close = (s: Server): Promise<void> => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); });

async function forwardingWorker(dir: string, url: string, maxAttempts = 8): Promise<{ worker: { stop(): Promise<void> }; q: JobQueue }> {
  const run = await runWorker(workerConfig(dir, { 'forward-url': url, 'forward-secret': SECRET }, { WAHOOK_WORKER_MAX_ATTEMPTS: String(maxAttempts) }), logger);
  const stores = await openStores(dir);
  const worker = { stop: async () => { await run.stop(); await stores.close(); } };
  return { worker, q: stores.jobs };
}

describe('forwarding under a hostile or misconfigured destination', { timeout: 60_000 }, () => {
  let dir: string;
  before(() => { dir = tempDir('wahook-forward-'); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a message id with CR, LF and a character above U+00FF is forwarded once, under a hashed webhook-id that verifies', async () => {
    const id = '3EB0\r\nInjected: 1\u0100\u4e2d';
    const dest = await destination((_h, _n, res) => { res.statusCode = 204; res.end(); });
    await seedDeliveries(dir, [{ event: 'messages.received', timestamp: 1_739_400_000,
      data: { messages: { key: { id, fromMe: false, remoteJid: '15550100001@s.whatsapp.net' }, messageBody: 'hi', message: { conversation: 'hi' }, messageTimestamp: 1_739_399_998 } } }], 'wasender');
    const { worker, q } = await forwardingWorker(dir, `${dest.url}/hook`);
    try {
      await until(() => dest.hits.length >= 1, 10_000, 'the forwarded event');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await q.deadLetters(5), []);
    } finally {
      await worker.stop();
      await close(dest.server);
    }
    assert.equal(dest.hits.length, 1, 'delivered once, not retried');
    const [hit] = dest.hits;
    const body = JSON.parse(hit!.body) as WahookEvent;
    assert.equal(body.key, `wasender:message:${id}`, 'the body keeps the full key');
    assert.match(String(hit!.headers['webhook-id']), /^sha256:[A-Za-z0-9_-]{43}$/);
    assert.equal(hit!.headers['webhook-id'], webhookIdFor(body.key));
    assert.equal(hit!.headers.injected, undefined, 'nothing from the id became a header');
    new Webhook(SECRET).verify(hit!.body, hit!.headers as Record<string, string>);
  });

  test('a 307 is not followed: the signed event never reaches where it points, and the job fails with a clear error', async () => {
    const elsewhere = await destination((_h, _n, res) => { res.statusCode = 204; res.end(); });
    const dest = await destination((_h, _n, res) => { res.writeHead(307, { location: `${elsewhere.url}/stolen` }); res.end(); });
    const d = tempDir('wahook-forward-');
    await seedDeliveries(d, [cloudEnvelope([messagesChange({ messages: [textMessage('wamid.redirect', '16505551234', 1_700_000_000)] })])]);
    const { worker, q } = await forwardingWorker(d, `${dest.url}/hook`, 2);
    try {
      await until(async () => (await q.deadLetters(5)).length === 1, 15_000, 'the dead letter');
      const [dead] = await q.deadLetters(5);
      assert.match(dead!.lastError, /^WAHOOK_ERR_FORWARD_FAILED: Forwarding answered HTTP 307, a redirect; redirects are not followed/);
    } finally {
      await worker.stop();
      await Promise.all([close(dest.server), close(elsewhere.server)]);
      rmSync(d, { recursive: true, force: true });
    }
    assert.equal(elsewhere.hits.length, 0, 'the redirect target received nothing');
    assert.equal(dest.hits.length, 2);
  });

  test('a 404 goes to the dead letters at once with its reason; 408 and 429 are retried', async () => {
    const refusing = await destination((_h, _n, res) => { res.statusCode = 404; res.end('no such hook\r\n'); });
    const busy = await destination((_h, n, res) => { res.statusCode = n === 1 ? 429 : n === 2 ? 408 : 204; res.end(); });
    const d1 = tempDir('wahook-forward-');
    const d2 = tempDir('wahook-forward-');
    const envelope = cloudEnvelope([messagesChange({ messages: [textMessage('wamid.refused', '16505551234', 1_700_000_000)] })]);
    await seedDeliveries(d1, [envelope]);
    await seedDeliveries(d2, [envelope]);
    const a = await forwardingWorker(d1, `${refusing.url}/hook`, 8);
    const b = await forwardingWorker(d2, `${busy.url}/hook`, 8);
    try {
      await until(async () => (await a.q.deadLetters(5)).length === 1, 15_000, 'the dead letter');
      await until(() => busy.hits.length >= 3, 15_000, 'the third attempt');
      const [dead] = await a.q.deadLetters(5);
      assert.equal(dead!.attempts, 1, 'not retried');
      assert.equal(refusing.hits.length, 1);
      assert.match(dead!.lastError, /^WAHOOK_ERR_FORWARD_REJECTED: .*HTTP 404: no such hook$/);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await b.q.deadLetters(5), [], '429 and 408 are retried until accepted');
      assert.equal(busy.hits.length, 3);
    } finally {
      await a.worker.stop();
      await b.worker.stop();
      await Promise.all([close(refusing.server), close(busy.server)]);
      rmSync(d1, { recursive: true, force: true });
      rmSync(d2, { recursive: true, force: true });
    }
  });
});

const EVENT: WahookEvent = { key: 'cloud_api:message:wamid.x', provider: 'cloud_api', kind: 'message', type: 'text', timestamp: 1, tenant: 'default', deliveryId: '1' };

test('forwarding reads a bounded part of the answer: an endless 200 body does not hold the job until the timeout', async () => {
  let written = 0;
  let closed = false;
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const pump = (): void => {
      while (!closed && res.write(chunk)) written += chunk.length;
      if (!closed) res.once('drain', pump);
    };
    res.on('close', () => { closed = true; });
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  const started = Date.now();
  try {
    await forwardEvent(url, SECRET, EVENT, 10_000, 1_700_000_000);
    const ms = Date.now() - started;
    assert.ok(ms < 3_000, `answered after ${ms} ms`);
    await until(() => closed, 5_000, 'the connection to be dropped');
    assert.ok(written < 16 * 1024 * 1024, `${written} bytes were written before the read stopped`);
  } finally {
    closed = true;
    await close(server);
  }
});

test('a redirect is a failure that names the redirect; the event is never re-posted', async () => {
  const elsewhere = await destination((_h, _n, res) => { res.statusCode = 204; res.end(); });
  for (const status of [301, 302, 303, 307, 308]) {
    const dest = await destination((_h, _n, res) => { res.writeHead(status, { location: `${elsewhere.url}/stolen` }); res.end(); });
    await assert.rejects(forwardEvent(`${dest.url}/hook`, SECRET, EVENT, 5_000, 1_700_000_000), (e: any) => {
      assert.equal(e.code, 'WAHOOK_ERR_FORWARD_FAILED');
      assert.match(e.message, new RegExp(`HTTP ${status}, a redirect; redirects are not followed`));
      return true;
    });
    await close(dest.server);
  }
  assert.equal(elsewhere.hits.length, 0);
  await close(elsewhere.server);
});

const unused = async (): Promise<never> => { throw new Error('the runner never calls this'); };

/** A queue that records what the runner asks of it. */
function recordingQueue(job: Job): JobQueue & { failed: { error: string; retryAt: number | null }[]; done: number } {
  let handed = false;
  const q = {
    failed: [] as { error: string; retryAt: number | null }[],
    done: 0,
    claim: async () => (handed ? [] : ((handed = true), [job])),
    complete: async () => { q.done++; },
    fail: async (_j: Job, error: string, retryAt: number | null) => { q.failed.push({ error, retryAt }); },
    enqueue: unused, deadLetters: unused, retryDeadLetters: unused, purgeDeadLetters: unused, counts: unused, release: unused, close: unused,
  };
  return q;
}

test('an event that cannot be serialised is dead-lettered on its first attempt', async () => {
  const job: Job = { seq: 1, target: 'forward', conversation: 'c', attempts: 0, event: { ...EVENT, amount: 10n } };
  const queue = recordingQueue(job);
  const runner = new JobRunner(queue, { forward: (j) => forwardEvent('http://127.0.0.1:9/never', SECRET, j.event, 1_000, 1) }, { concurrency: 1, maxAttempts: 8, backoffBaseMs: 1, backoffMaxMs: 1, leaseMs: 60_000 });
  await runner.tick();
  await runner.idle();
  assert.equal(queue.failed.length, 1);
  assert.equal(queue.failed[0]!.retryAt, null, 'dead-lettered, not scheduled again');
  assert.match(queue.failed[0]!.error, /^WAHOOK_ERR_EVENT_UNSERIALIZABLE: /);
});

test('the runner retries what may succeed and dead-letters at once what says it cannot', async () => {
  const cases: [unknown, boolean][] = [
    [new Error('flaky'), true],
    [Object.assign(new Error('temporarily down'), { retryable: true }), true],
    [Object.assign(new Error('bad input'), { retryable: false }), false],
  ];
  for (const [error, retried] of cases) {
    const queue = recordingQueue({ seq: 1, target: 't', conversation: 'c', attempts: 0, event: EVENT });
    const runner = new JobRunner(queue, { t: async () => { throw error; } }, { concurrency: 1, maxAttempts: 8, backoffBaseMs: 1, backoffMaxMs: 1, leaseMs: 60_000 });
    await runner.tick();
    await runner.idle();
    assert.equal(queue.failed[0]!.retryAt !== null, retried, String(error));
  }
});
