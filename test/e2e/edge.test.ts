import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:net';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { SECRET, VERIFY_TOKEN, WASENDER_SECRET, allDeliveries, startGateway, type TestGateway } from '../helpers/gateway.js';

function assertError(r: { status: number; json(): any; text: string }, status: number, code: string): void {
  assert.equal(r.status, status, r.text);
  const body = r.json();
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
}

describe('receiving edge: Cloud API', () => {
  let g: TestGateway;
  before(async () => { g = await startGateway({ flags: { 'body-limit': '65536' } }); });
  after(async () => { await g.close(); });

  test('GET handshake answers the challenge as text/plain', async () => {
    const r = await http(`${g.url}/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    assert.equal(r.status, 200);
    assert.equal(r.text, '1158201444');
    assert.match(String(r.headers['content-type']), /^text\/plain/);
  });

  test('GET handshake is refused with 403 on a wrong token, mode or missing challenge', async () => {
    for (const q of [
      `hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`,
      `hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`,
      `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`,
      `hub.mode=subscribe&hub.challenge=1`,
    ]) assertError(await http(`${g.url}/webhook?${q}`), 403, 'WAHOOK_ERR_HANDSHAKE_REJECTED');
  });

  test('a signed delivery is stored byte for byte before 200', async () => {
    const body = cloudTextBody('Olá \u00e4 — stored');
    const r = await http(`${g.url}/webhook`, { body, headers: signedHeaders(body, SECRET) });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { status: 'received' });
    const [stored] = await g.log.latest(1);
    assert.ok(stored);
    assert.deepEqual(stored.body, body);
    assert.equal(stored.provider, 'cloud_api');
    assert.equal(stored.tenant, 'default');
    assert.equal(stored.headers['x-hub-signature-256'], signedHeaders(body, SECRET)['x-hub-signature-256']);
  });

  test('missing or wrong signatures are 401', async () => {
    const body = cloudTextBody();
    assertError(await http(`${g.url}/webhook`, { body, headers: { 'content-type': 'application/json' } }), 401, 'WAHOOK_ERR_SIGNATURE_MISSING');
    assertError(await http(`${g.url}/webhook`, { body, headers: signedHeaders(body, 'another-secret') }), 401, 'WAHOOK_ERR_SIGNATURE_INVALID');
    const tampered = Buffer.concat([body, Buffer.from(' ')]);
    assertError(await http(`${g.url}/webhook`, { body: tampered, headers: signedHeaders(body, SECRET) }), 401, 'WAHOOK_ERR_SIGNATURE_INVALID');
  });

  test('signed bodies that are not JSON or not an envelope are 400, and are not echoed', async () => {
    const notJson = Buffer.from('{"object": secret-value-xyz');
    const r = await http(`${g.url}/webhook`, { body: notJson, headers: signedHeaders(notJson, SECRET) });
    assertError(r, 400, 'WAHOOK_ERR_PAYLOAD_NOT_JSON');
    assert.ok(!r.text.includes('secret-value-xyz'));
    for (const json of ['[]', '{"object":"x"}', '{"object":1,"entry":[]}', '{"object":"x","entry":{}}', '{"object":"x","entry":[{"id":"1"}]}', '{"object":"x","entry":[{"changes":{}}]}', 'null']) {
      const b = Buffer.from(json);
      assertError(await http(`${g.url}/webhook`, { body: b, headers: signedHeaders(b, SECRET) }), 400, 'WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE');
    }
  });

  test('a body over the limit is 413 by Content-Length and while streaming', async () => {
    const big = Buffer.alloc(70_000, 0x20);
    assertError(await http(`${g.url}/webhook`, { body: big, headers: signedHeaders(big, SECRET) }), 413, 'WAHOOK_ERR_HTTP_BODY_TOO_LARGE');
    // Chunked: no Content-Length, so the limit must trip while reading. A signature header gets it past the head
    // (only the body can show whether the signature matches).
    const answer = await new Promise<string>((resolve) => {
      const s = connect(Number(new URL(g.url).port), '127.0.0.1', () => {
        s.write(`POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-hub-signature-256: sha256=${'0'.repeat(64)}\r\ntransfer-encoding: chunked\r\n\r\n`);
        const chunk = Buffer.alloc(16_384, 0x20);
        for (let i = 0; i < 8; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
      });
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('close', () => resolve(text));
      s.on('error', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.1 413/);
    assert.match(answer, /WAHOOK_ERR_HTTP_BODY_TOO_LARGE/);
    const ok = await http(`${g.url}/healthz`);
    assert.equal(ok.status, 200);
  });

  test('wrong content type is 415, wrong method 405, unknown path 404, unknown tenant 404', async () => {
    const body = cloudTextBody();
    assertError(await http(`${g.url}/webhook`, { body, headers: { ...signedHeaders(body, SECRET), 'content-type': 'text/plain' } }), 415, 'WAHOOK_ERR_HTTP_MEDIA_TYPE');
    assertError(await http(`${g.url}/webhook`, { body, headers: { 'x-hub-signature-256': 'sha256=00' } }), 415, 'WAHOOK_ERR_HTTP_MEDIA_TYPE');
    assertError(await http(`${g.url}/webhook`, { method: 'PUT', body, headers: signedHeaders(body, SECRET) }), 405, 'WAHOOK_ERR_HTTP_METHOD');
    assertError(await http(`${g.url}/webhook`, { method: 'DELETE' }), 405, 'WAHOOK_ERR_HTTP_METHOD');
    assertError(await http(`${g.url}/nope`), 404, 'WAHOOK_ERR_HTTP_NOT_FOUND');
    assertError(await http(`${g.url}/webhook/nobody`, { body, headers: signedHeaders(body, SECRET) }), 404, 'WAHOOK_ERR_TENANT_UNKNOWN');
    assertError(await http(`${g.url}/webhook/%E0%A4%A`, { body, headers: signedHeaders(body, SECRET) }), 404, 'WAHOOK_ERR_HTTP_NOT_FOUND');
    assertError(await http(`${g.url}/webhook/a/b/c`, { body, headers: signedHeaders(body, SECRET) }), 404, 'WAHOOK_ERR_HTTP_NOT_FOUND');
  });

  test('an exact re-delivery is stored once and still answered 200', async () => {
    const body = cloudTextBody('retry me');
    const before = (await g.log.edgeCounters()).duplicates;
    const a = await http(`${g.url}/webhook`, { body, headers: signedHeaders(body, SECRET) });
    const b = await http(`${g.url}/webhook`, { body, headers: signedHeaders(body, SECRET) });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    const rows = (await allDeliveries(g.log)).filter((d) => d.body.equals(body));
    assert.equal(rows.length, 1);
    assert.equal((await g.log.edgeCounters()).duplicates, before + 1);
  });

  test('rejections are counted by code', async () => {
    const c = await g.log.edgeCounters();
    assert.ok((c.rejected.WAHOOK_ERR_SIGNATURE_INVALID ?? 0) >= 2);
    assert.ok((c.rejected.WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE ?? 0) >= 7);
    assert.ok(c.received >= c.stored + c.duplicates);
  });

  test('healthz and readyz', async () => {
    assert.equal((await http(`${g.url}/healthz`)).status, 200);
    const r = await http(`${g.url}/readyz`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { status: 'ready' });
  });
});

describe('receiving edge: WASenderApi', () => {
  let g: TestGateway;
  before(async () => { g = await startGateway(); });
  after(async () => { await g.close(); });
  const body = Buffer.from(JSON.stringify({ event: 'messages.received', timestamp: 1633456789, data: { messages: { key: { id: 'ABC', remoteJid: '123@s.whatsapp.net', fromMe: false }, messageBody: 'hi' } } }));

  test('the plain shared secret is accepted and the header is not stored', async () => {
    const r = await http(`${g.url}/webhook/wasender`, { body, headers: { 'content-type': 'application/json', 'x-webhook-signature': WASENDER_SECRET } });
    assert.equal(r.status, 200);
    const [d] = await g.log.latest(1);
    assert.equal(d?.provider, 'wasender');
    assert.equal(JSON.stringify(d?.headers).includes(WASENDER_SECRET), false);
  });

  test('a missing or wrong secret is 401, a non-envelope 400', async () => {
    assertError(await http(`${g.url}/webhook/wasender`, { body, headers: { 'content-type': 'application/json' } }), 401, 'WAHOOK_ERR_SIGNATURE_MISSING');
    assertError(await http(`${g.url}/webhook/wasender`, { body, headers: { 'content-type': 'application/json', 'x-webhook-signature': `${WASENDER_SECRET}x` } }), 401, 'WAHOOK_ERR_SIGNATURE_INVALID');
    for (const bad of ['{"data":{}}', '{"event":"x"}', '{"event":"","data":1}', '[1]']) {
      assertError(await http(`${g.url}/webhook/wasender`, { body: bad, headers: { 'content-type': 'application/json', 'x-webhook-signature': WASENDER_SECRET } }), 400, 'WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE');
    }
    assertError(await http(`${g.url}/webhook/wasender`, { body: 'nope', headers: { 'content-type': 'application/json', 'x-webhook-signature': WASENDER_SECRET } }), 400, 'WAHOOK_ERR_PAYLOAD_NOT_JSON');
  });
});

describe('receiving edge: tenants', () => {
  let g: TestGateway;
  const file = { tenants: {
    acme: { appSecrets: ['acme-new', 'acme-old'], verifyToken: 'acme-token', wasenderSecret: 'acme-ws' },
    beta: { appSecrets: ['beta-secret'] },
  } };
  before(async () => { g = await startGateway({ file, env: { WAHOOK_APP_SECRET: '', WAHOOK_VERIFY_TOKEN: '', WAHOOK_WASENDER_SECRET: '' } }); });
  after(async () => { await g.close(); });

  test('each tenant verifies with its own secrets, including rotated ones', async () => {
    const body = cloudTextBody('tenant');
    assert.equal((await http(`${g.url}/webhook/acme`, { body, headers: signedHeaders(body, 'acme-new') })).status, 200);
    assert.equal((await http(`${g.url}/webhook/acme`, { body, headers: signedHeaders(body, 'acme-old') })).status, 200);
    assertError(await http(`${g.url}/webhook/acme`, { body, headers: signedHeaders(body, 'beta-secret') }), 401, 'WAHOOK_ERR_SIGNATURE_INVALID');
    assert.equal((await http(`${g.url}/webhook/beta`, { body, headers: signedHeaders(body, 'beta-secret') })).status, 200);
    const tenants = (await allDeliveries(g.log)).map((d) => d.tenant).sort();
    assert.deepEqual(tenants, ['acme', 'beta']);
  });

  test('handshake, WASender and unknown tenants per tenant', async () => {
    assert.equal((await http(`${g.url}/webhook/acme?hub.mode=subscribe&hub.verify_token=acme-token&hub.challenge=7`)).text, '7');
    assertError(await http(`${g.url}/webhook/beta?hub.mode=subscribe&hub.verify_token=acme-token&hub.challenge=7`), 403, 'WAHOOK_ERR_HANDSHAKE_REJECTED');
    const ws = '{"event":"session.status","data":{"status":"connected"}}';
    assert.equal((await http(`${g.url}/webhook/acme/wasender`, { body: ws, headers: { 'content-type': 'application/json', 'x-webhook-signature': 'acme-ws' } })).status, 200);
    assertError(await http(`${g.url}/webhook/beta/wasender`, { body: ws, headers: { 'content-type': 'application/json', 'x-webhook-signature': 'acme-ws' } }), 404, 'WAHOOK_ERR_PROVIDER_NOT_CONFIGURED');
    assertError(await http(`${g.url}/webhook`, { body: ws, headers: { 'content-type': 'application/json' } }), 404, 'WAHOOK_ERR_TENANT_UNKNOWN');
    assertError(await http(`${g.url}/webhook/zeta/wasender`, { body: ws, headers: { 'content-type': 'application/json' } }), 404, 'WAHOOK_ERR_TENANT_UNKNOWN');
  });
});

describe('receiving edge: slow clients and insecure mode', () => {
  test('a client that never finishes its headers is cut off', async () => {
    const g = await startGateway({ env: { WAHOOK_HEADERS_TIMEOUT_MS: '300', WAHOOK_REQUEST_TIMEOUT_MS: '400' } });
    try {
      const started = Date.now();
      const text = await new Promise<string>((resolve) => {
        const s = connect(Number(new URL(g.url).port), '127.0.0.1', () => s.write('POST /webhook HTTP/1.1\r\nhost: x\r\n'));
        let t = '';
        s.on('data', (d) => (t += d.toString()));
        s.on('close', () => resolve(t));
        s.on('error', () => resolve(t));
      });
      assert.ok(Date.now() - started < 5000);
      assert.match(text, /^HTTP\/1\.1 408|^$/);
    } finally {
      await g.close();
    }
  });

  test('--insecure-skip-signature accepts unsigned deliveries', async () => {
    const g = await startGateway({ flags: { 'insecure-skip-signature': true }, env: { WAHOOK_APP_SECRET: '' } });
    try {
      const body = cloudTextBody();
      assert.equal((await http(`${g.url}/webhook`, { body, headers: { 'content-type': 'application/json' } })).status, 200);
    } finally {
      await g.close();
    }
  });
});
