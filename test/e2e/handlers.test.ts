import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createLogger } from '../../src/entry/logger.js';
import { runWorker } from '../../src/entry/run-worker.js';
import { collectStats } from '../../src/pipeline/stats.js';
import { runWahook } from '../helpers/process.js';
import { tempDir } from '../helpers/gateway.js';
import { cloudEnvelope, messagesChange, openStores, seedDeliveries, status, textMessage, until, workerConfig, writeHandlers } from '../helpers/pipeline.js';

declare global {
  // Handlers modules in these tests report to the test through this array.
  var __wahookCalls: { key: string; attempt: number; kind: string; contact?: string; seq?: number }[] | undefined;
}

const logger = createLogger('silent');

describe('handlers: at least once, in order per conversation, retries and dead letters', () => {
  let dir: string;
  before(() => { dir = tempDir(); globalThis.__wahookCalls = []; });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('each event reaches its kind handler with its key; failures retry, then dead-letter', async () => {
    // Prepare: two contacts with 20 messages each, and a status that always fails.
    const bodies: object[] = [];
    for (let i = 0; i < 20; i++) {
      bodies.push(cloudEnvelope([messagesChange({ messages: [textMessage(`wamid.a${i}`, '111', 1_700_000_000 + i, `a${i}`), textMessage(`wamid.b${i}`, '222', 1_700_000_000 + i, `b${i}`)] })]));
    }
    bodies.push(cloudEnvelope([messagesChange({ statuses: [status('wamid.poison', 'sent', 1_700_000_500, '333')] })]));
    bodies.push(cloudEnvelope([messagesChange({ messages: [textMessage('wamid.flaky', '444', 1_700_000_600)] })]));
    const ids = await seedDeliveries(dir, bodies);
    const handlers = writeHandlers(dir, `
      const seen = new Map();
      export async function message(event, ctx) {
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        if (event.messageId === 'wamid.flaky' && ctx.attempt < 3) throw new Error('flaky ' + ctx.attempt);
        globalThis.__wahookCalls.push({ key: ctx.key, attempt: ctx.attempt, kind: event.kind, contact: event.contact, text: event.text });
      }
      export async function status(event, ctx) {
        globalThis.__wahookCalls.push({ key: ctx.key, attempt: ctx.attempt, kind: event.kind });
        throw new Error('poison status');
      }
    `);
    const config = workerConfig(dir, { handlers }, { WAHOOK_WORKER_MAX_ATTEMPTS: '4', WAHOOK_WORKER_CONCURRENCY: '8' });
    // Act
    const worker = await runWorker(config, logger);
    const stores = await openStores(dir);
    await until(async () => { const s = await collectStats(stores.log, stores.query, stores.jobs, Date.now()); return s.queueDepth === 0 && s.events > 0 && s.jobsPending === 0; }, 20_000, 'jobs to settle');
    await worker.stop();
    // Assess
    const calls = globalThis.__wahookCalls!;
    const a = calls.filter((c) => c.contact === '111').map((c) => (c as unknown as { text: string }).text);
    const b = calls.filter((c) => c.contact === '222').map((c) => (c as unknown as { text: string }).text);
    assert.deepEqual(a, Array.from({ length: 20 }, (_, i) => `a${i}`), 'contact 111 in order');
    assert.deepEqual(b, Array.from({ length: 20 }, (_, i) => `b${i}`), 'contact 222 in order');
    const flaky = calls.filter((c) => c.key === 'cloud_api:message:wamid.flaky');
    assert.equal(flaky.length, 1);
    assert.equal(flaky[0]!.attempt, 3);
    const poison = calls.filter((c) => c.kind === 'status');
    assert.equal(poison.length, 4, 'maxAttempts calls of the failing handler');
    const dlq = await stores.jobs.deadLetters(10);
    assert.equal(dlq.length, 1);
    assert.equal(dlq[0]!.key, 'cloud_api:status:wamid.poison:sent');
    assert.equal(dlq[0]!.attempts, 4);
    assert.match(dlq[0]!.lastError, /poison status/);
    await stores.close();
  });

  test('`wahook dlq` lists, retries and purges dead letters', async () => {
    const env = { WAHOOK_DATA_DIR: dir };
    const list = await runWahook(['dlq', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    const [entry] = list.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(entry.key, 'cloud_api:status:wamid.poison:sent');
    assert.equal(JSON.parse((await runWahook(['dlq', 'retry', '--seq', String(entry.seq)], env)).stdout).retried, 1);
    const pending = JSON.parse((await runWahook(['stats', '--json'], env)).stdout);
    assert.equal(pending.deadLetters, 0);
    assert.equal(pending.jobsPending, 1);
    assert.equal((await runWahook(['dlq', 'oops'], env)).code, 2);
  });
});

describe('forwarding with Standard Webhooks signatures', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  let dir: string;
  before(() => { dir = tempDir(); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('events are POSTed as printed, verified by the official library, retried with a stable webhook-id', async () => {
    const received: { id: string; body: any; verified: boolean }[] = [];
    let failuresLeft = 2;
    const wh = new Webhook(secret);
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        let verified = false;
        try { wh.verify(body, req.headers as Record<string, string>); verified = true; } catch { verified = false; }
        received.push({ id: String(req.headers['webhook-id']), body: JSON.parse(body), verified });
        res.statusCode = failuresLeft-- > 0 ? 503 : 204;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    await seedDeliveries(dir, [cloudEnvelope([messagesChange({ messages: [textMessage('wamid.fwd', '555', 1_700_000_000, 'forward me \u00e9')] })])]);
    const config = workerConfig(dir, { 'forward-url': `http://127.0.0.1:${port}/hook`, 'forward-secret': secret });
    const worker = await runWorker(config, logger);
    await until(() => received.length >= 3, 15_000, 'three forwarding attempts');
    await worker.stop();
    server.close();
    assert.ok(received.every((r) => r.verified), 'every POST verifies with standardwebhooks');
    assert.deepEqual([...new Set(received.map((r) => r.id))], ['cloud_api:message:wamid.fwd']);
    const printed = await runWahook(['events', '--json', '--kind', 'message'], { WAHOOK_DATA_DIR: dir });
    assert.deepEqual(received[2]!.body, JSON.parse(printed.stdout.trim()));
    assert.deepEqual(Object.keys(received[2]!.body).slice(0, 4), ['key', 'provider', 'kind', 'type']);
  });
});
