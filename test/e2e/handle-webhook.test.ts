import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { handleWebhook, type HandleDeps, type WebhookRequest } from '../../src/edge/handle-webhook.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { SECRET, VERIFY_TOKEN, allDeliveries, tempDir } from '../helpers/gateway.js';

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
