import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { handleWebhook, type HandleDeps, type WebhookRequest } from '../../src/edge/handle-webhook.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { receiveOptions } from '../../src/config/receive-options.js';
import { SECRET, VERIFY_TOKEN, WASENDER_SECRET, allDeliveries, startGateway, tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';

/** The request lifecycle a serverless host calls with the whole body: the same answers as the node:http edge. */
test('handleWebhook: handshake, refusals with stable codes, 200 only once stored, duplicates, health', async () => {
  const dir = tempDir();
  const config = loadConfig({ flags: { 'data-dir': dir }, env: { WAHOOK_APP_SECRET: SECRET, WAHOOK_VERIFY_TOKEN: VERIFY_TOKEN } });
  const engine = createEngine(config);
  const store = await engine.openDeliveryStore();
  const deps: HandleDeps = { store, opts: { tenants: config.tenants, insecureSkipSignature: false }, bodyLimitBytes: 1024, now: () => 1_800_000_000_000 };
  const req = (r: Partial<WebhookRequest>): WebhookRequest => ({ method: 'POST', path: '/webhook', query: '', headers: {}, rawBody: null, ...r });
  const code = (body: string): string => (JSON.parse(body) as { error: { code: string } }).error.code;
  try {
    const hs = await handleWebhook(req({ method: 'GET', query: `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=42` }), deps);
    assert.deepEqual([hs.response.status, hs.response.body, hs.route], [200, '42', 'handshake']);
    const badHs = await handleWebhook(req({ method: 'GET', query: 'hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42' }), deps);
    assert.deepEqual([badHs.response.status, code(badHs.response.body)], [403, 'WAHOOK_ERR_HANDSHAKE_REJECTED']);

    const body = Buffer.from(cloudTextBody('via handler'));
    const ok = await handleWebhook(req({ headers: signedHeaders(body, SECRET), rawBody: body }), deps);
    assert.deepEqual([ok.response.status, ok.response.body, ok.duplicate], [200, '{"status":"received"}', false]);
    const dup = await handleWebhook(req({ headers: signedHeaders(body, SECRET), rawBody: body }), deps);
    assert.deepEqual([dup.response.status, dup.duplicate], [200, true]);

    const wrong = await handleWebhook(req({ headers: signedHeaders(body, 'not-the-secret'), rawBody: body }), deps);
    assert.deepEqual([wrong.response.status, wrong.code, code(wrong.response.body)], [401, 'WAHOOK_ERR_SIGNATURE_INVALID', 'WAHOOK_ERR_SIGNATURE_INVALID']);
    const big = Buffer.alloc(2048, 0x20);
    assert.equal((await handleWebhook(req({ headers: signedHeaders(big, SECRET), rawBody: big }), deps)).code, 'WAHOOK_ERR_HTTP_BODY_TOO_LARGE');
    assert.equal((await handleWebhook(req({ headers: { 'content-type': 'text/plain' }, rawBody: body }), deps)).code, 'WAHOOK_ERR_HTTP_MEDIA_TYPE');
    assert.equal((await handleWebhook(req({ path: '/nowhere' }), deps)).response.status, 404);
    assert.equal((await handleWebhook(req({ method: 'GET', path: '/healthz' }), deps)).response.status, 200);
    assert.equal((await handleWebhook(req({ method: 'GET', path: '/readyz' }), deps)).response.body, '{"status":"ready"}');

    await store.close();
    const log = await engine.openDeliveryLog();
    const stored = await allDeliveries(log);
    assert.equal(stored.length, 1, 'one delivery stored; every refusal stored nothing');
    assert.ok(stored[0]!.body.equals(body));
    const counters = await log.edgeCounters();
    assert.equal(counters.rejected.WAHOOK_ERR_SIGNATURE_INVALID, 1);
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('handleWebhook (the Lambda path): a signed body with invalid UTF-8 is a 400 PAYLOAD_NOT_UTF8, counted by code and not stored', async () => {
  const dir = tempDir();
  const config = loadConfig({ flags: { 'data-dir': dir }, env: { WAHOOK_APP_SECRET: SECRET, WAHOOK_VERIFY_TOKEN: VERIFY_TOKEN } });
  const engine = createEngine(config);
  const store = await engine.openDeliveryStore();
  const deps: HandleDeps = { store, opts: { tenants: config.tenants, insecureSkipSignature: false }, bodyLimitBytes: 64 * 1024, now: () => 1_800_000_000_000 };
  try {
    const text = cloudTextBody('lone surrogate: XYZ');
    const at = text.indexOf('XYZ');
    const body = Buffer.concat([text.subarray(0, at), Buffer.from([0xed, 0xa0, 0x80]), text.subarray(at + 3)]);
    const r = await handleWebhook({ method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body }, deps);
    assert.deepEqual([r.response.status, r.code, JSON.parse(r.response.body).error.code], [400, 'WAHOOK_ERR_PAYLOAD_NOT_UTF8', 'WAHOOK_ERR_PAYLOAD_NOT_UTF8']);
    await store.close();
    const log = await engine.openDeliveryLog();
    assert.equal((await allDeliveries(log)).length, 0);
    assert.equal((await log.edgeCounters()).rejected.WAHOOK_ERR_PAYLOAD_NOT_UTF8, 1);
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the node:http server and handleWebhook answer the same requests alike: status, body, content type and retry-after', async () => {
  // Each host over a store of its own, so a re-delivery is judged by each alike.
  const gw = await startGateway({ flags: { 'body-limit': '2048' } });
  const dir = tempDir();
  const config = loadConfig({
    flags: { 'data-dir': dir, 'body-limit': '2048' },
    env: { WAHOOK_APP_SECRET: SECRET, WAHOOK_VERIFY_TOKEN: VERIFY_TOKEN, WAHOOK_WASENDER_SECRET: WASENDER_SECRET },
  });
  const store = await createEngine(config).openDeliveryStore();
  const deps: HandleDeps = { store, opts: receiveOptions(config), bodyLimitBytes: config.bodyLimitBytes, now: Date.now };
  const body = Buffer.from(cloudTextBody('parity'));
  const wasender = Buffer.from(JSON.stringify({ event: 'messages.upsert', timestamp: 1_800_000_000, data: { messages: { key: { id: 'W1', remoteJid: '1@s.whatsapp.net' }, message: { conversation: 'hi' } } } }));
  const notUtf8 = Buffer.concat([body.subarray(0, 40), Buffer.from([0xc3, 0x28]), body.subarray(42)]);
  const big = Buffer.alloc(4096, 0x20);
  const cases: { name: string; method: string; path: string; query?: string; headers?: Record<string, string>; body?: Buffer }[] = [
    { name: 'handshake', method: 'GET', path: '/webhook', query: `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=7` },
    { name: 'handshake, wrong token', method: 'GET', path: '/webhook', query: 'hub.mode=subscribe&hub.verify_token=no&hub.challenge=7' },
    { name: 'healthz', method: 'GET', path: '/healthz' },
    { name: 'readyz', method: 'GET', path: '/readyz' },
    { name: 'unknown path', method: 'GET', path: '/nowhere' },
    { name: 'wrong method', method: 'PUT', path: '/webhook', headers: { 'content-type': 'application/json' }, body },
    { name: 'unknown tenant', method: 'POST', path: '/webhook/nobody', headers: signedHeaders(body, SECRET), body },
    { name: 'not JSON', method: 'POST', path: '/webhook', headers: { ...signedHeaders(body, SECRET), 'content-type': 'text/plain' }, body },
    { name: 'no signature', method: 'POST', path: '/webhook', headers: { 'content-type': 'application/json' }, body },
    { name: 'wrong signature', method: 'POST', path: '/webhook', headers: signedHeaders(body, 'not-the-secret'), body },
    { name: 'too large', method: 'POST', path: '/webhook', headers: signedHeaders(big, SECRET), body: big },
    { name: 'not UTF-8', method: 'POST', path: '/webhook', headers: signedHeaders(notUtf8, SECRET), body: notUtf8 },
    { name: 'not an envelope', method: 'POST', path: '/webhook', headers: signedHeaders(Buffer.from('{"a":1}'), SECRET), body: Buffer.from('{"a":1}') },
    { name: 'stored', method: 'POST', path: '/webhook', headers: signedHeaders(body, SECRET), body },
    { name: 're-delivery', method: 'POST', path: '/webhook', headers: signedHeaders(body, SECRET), body },
    { name: 'WASender', method: 'POST', path: '/webhook/wasender', headers: { 'content-type': 'application/json', 'x-webhook-signature': WASENDER_SECRET }, body: wasender },
  ];
  try {
    const statuses = new Set<number>();
    for (const c of cases) {
      const viaServer = await http(`${gw.url}${c.path}${c.query ? `?${c.query}` : ''}`, { method: c.method, headers: c.headers ?? {}, ...(c.body ? { body: c.body } : {}) });
      const headers = Object.fromEntries(Object.entries({ ...c.headers, ...(c.body ? { 'content-length': String(c.body.length) } : {}) }).map(([k, v]) => [k.toLowerCase(), v]));
      const viaHandler = (await handleWebhook({ method: c.method, path: c.path, query: c.query ?? '', headers, rawBody: c.body ?? null, peer: '127.0.0.1' }, deps)).response;
      assert.deepEqual(
        [viaHandler.status, viaHandler.body, viaHandler.headers['content-type'], viaHandler.headers['retry-after']],
        [viaServer.status, viaServer.text, viaServer.headers['content-type'], viaServer.headers['retry-after']],
        c.name,
      );
      statuses.add(viaServer.status);
    }
    assert.ok(statuses.size >= 6, `the cases reach many answers (${[...statuses].join(', ')})`);
    const fromServer = await allDeliveries(gw.log);
    await store.close();
    const log = await createEngine(config).openDeliveryLog();
    const fromHandler = await allDeliveries(log);
    await log.close();
    assert.deepEqual(fromHandler.map((d) => [d.tenant, d.provider, d.body.toString('base64')]), fromServer.map((d) => [d.tenant, d.provider, d.body.toString('base64')]));
    assert.equal(fromServer.length, 2, 'the Cloud API delivery once, and the WASender one');
  } finally {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
