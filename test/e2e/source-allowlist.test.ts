import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { receiveOptions } from '../../src/config/receive-options.js';
import { handleWebhook, type WebhookRequest } from '../../src/edge/handle-webhook.js';
import { fromLambdaEvent } from '../../src/entry/lambda/http-event.js';
import { SECRET, allDeliveries, startGateway, tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { eventFor, type Source } from '../helpers/lambda-events.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';

const codeOf = (text: string): string => (JSON.parse(text) as { error: { code: string } }).error.code;

test('node:http: an allowlist refuses webhook POSTs from other addresses with 403, and forwarded headers count only from trusted proxies', async () => {
  // The test connects from 127.0.0.1, which is not on the list.
  const gw = await startGateway({ flags: { 'webhook-allow-cidrs': '203.0.113.0/24,2001:db8::/32' } });
  try {
    const body = cloudTextBody('from elsewhere');
    const refused = await http(`${gw.url}/webhook`, { body, headers: signedHeaders(body, SECRET) });
    assert.deepEqual([refused.status, codeOf(refused.text)], [403, 'WAHOOK_ERR_SOURCE_NOT_ALLOWED']);
    assert.equal(refused.headers.connection, 'close', 'the body it announced is never read');
    const forged = await http(`${gw.url}/webhook`, { body, headers: { ...signedHeaders(body, SECRET), 'x-forwarded-for': '203.0.113.5' } });
    assert.equal(forged.status, 403, 'X-Forwarded-For from a peer that is not a trusted proxy is ignored');
    assert.equal((await http(`${gw.url}/healthz`)).status, 200, 'other routes are not behind the allowlist');
    assert.equal((await allDeliveries(gw.log)).length, 0);
    assert.equal((await gw.log.edgeCounters()).rejected.WAHOOK_ERR_SOURCE_NOT_ALLOWED, 2, 'refusals are counted by code');
  } finally {
    await gw.close();
  }
});

test('node:http behind a trusted proxy: the client address comes from X-Forwarded-For, and signatures are still checked', async () => {
  const gw = await startGateway({ flags: { 'webhook-allow-cidrs': '203.0.113.0/24', 'trusted-proxies': '127.0.0.1,::1' } });
  try {
    const post = (xff: string, secret = SECRET) => {
      const body = cloudTextBody(`via ${xff}`);
      return http(`${gw.url}/webhook`, { body, headers: { ...signedHeaders(body, secret), 'x-forwarded-for': xff } });
    };
    assert.equal((await post('203.0.113.5')).status, 200);
    assert.equal((await post('198.51.100.1, 203.0.113.5')).status, 200, 'what the client wrote on the left does not matter');
    const outside = await post('203.0.113.5, 198.51.100.1');
    assert.deepEqual([outside.status, codeOf(outside.text)], [403, 'WAHOOK_ERR_SOURCE_NOT_ALLOWED'], 'the rightmost untrusted hop is the client');
    const unsigned = await post('203.0.113.5', 'not-the-secret');
    assert.deepEqual([unsigned.status, codeOf(unsigned.text)], [401, 'WAHOOK_ERR_SIGNATURE_INVALID']);
    assert.equal((await post('')).status, 403, 'a trusted proxy that names no client leaves its own address, which is not allowed');
    assert.equal((await allDeliveries(gw.log)).length, 2);
  } finally {
    await gw.close();
  }
});

test('a malformed range is a config error naming the key', () => {
  assert.throws(() => loadConfig({ env: { WAHOOK_WEBHOOK_ALLOW_CIDRS: '203.0.113.0/24, cloudflare' } }), (e) => (e as { code: string }).code === 'WAHOOK_ERR_CONFIG_INVALID' && /webhookAllowCidrs.*cloudflare/.test((e as Error).message));
  assert.throws(() => loadConfig({ flags: { 'trusted-proxies': '10.0.0.0/33' } }), (e) => /trustedProxies/.test((e as Error).message));
  assert.deepEqual(loadConfig({ env: { WAHOOK_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8' } }).trustedProxies, ['10.0.0.0/8', 'fd00::/8']);
});

test('Lambda: the front door\'s source address meets the same allowlist', async () => {
  const dir = tempDir();
  const config = loadConfig({ flags: { 'data-dir': dir }, env: { WAHOOK_APP_SECRET: SECRET, WAHOOK_WEBHOOK_ALLOW_CIDRS: '1.2.3.4,192.168.196.186,25.12.198.67' } });
  const store = await createEngine(config).openDeliveryStore();
  const deps = { store, opts: receiveOptions(config), bodyLimitBytes: config.bodyLimitBytes, now: Date.now };
  try {
    const body = cloudTextBody('lambda');
    const req: WebhookRequest = { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body };
    // The published examples: HTTP API 1.2.3.4, REST API 192.168.196.186, ALB 25.12.198.67 as the last forwarded hop.
    const peers: Partial<Record<Source, string>> = { 'http-api': '1.2.3.4', 'rest-api': '192.168.196.186', alb: '25.12.198.67' };
    for (const [source, peer] of Object.entries(peers) as [Source, string][]) {
      const http = fromLambdaEvent(eventFor(source, req));
      assert.equal(http.request.peer, peer, source);
      assert.equal((await handleWebhook(http.request, deps)).response.status, 200, source);
    }
    const alb = fromLambdaEvent(eventFor('alb', { ...req, headers: { ...req.headers, 'x-forwarded-for': '25.12.198.67, 198.51.100.1' } }));
    assert.equal(alb.request.peer, '198.51.100.1', 'an ALB appends the address it saw');
    const refused = await handleWebhook(alb.request, deps);
    assert.deepEqual([refused.response.status, refused.code], [403, 'WAHOOK_ERR_SOURCE_NOT_ALLOWED']);
    const unknown = await handleWebhook({ ...req }, deps);
    assert.equal(unknown.code, 'WAHOOK_ERR_SOURCE_NOT_ALLOWED', 'no source address: refused when an allowlist is set');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
