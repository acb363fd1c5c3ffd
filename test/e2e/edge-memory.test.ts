import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allDeliveries, SECRET, startGateway, WASENDER_SECRET, type TestGateway } from '../helpers/gateway.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { exchange, piecesOf, statusOf } from '../helpers/raw.js';

const head = (path: string, headers: Record<string, string | number>): string =>
  [`POST ${path} HTTP/1.1`, 'host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');

describe('edge: refusals from the head, before any body byte is read', () => {
  let g: TestGateway;
  let port: number;
  before(async () => {
    g = await startGateway();
    port = Number(new URL(g.url).port);
  });
  after(async () => { await g.close(); });

  test('a Cloud API request without its signature header gets 401 while its 4 MiB body is still unsent', async () => {
    const r = await exchange(port, head('/webhook', { 'content-type': 'application/json', 'content-length': 4 * 1024 * 1024 }));
    assert.equal(statusOf(r.text), 401, r.text);
    assert.match(r.text, /WAHOOK_ERR_SIGNATURE_MISSING/);
    // Its body is not wanted: the connection is closed rather than read to the end of 4 MiB.
    assert.match(r.text, /\r\nconnection: close\r\n/i);
    assert.ok(r.closed, 'the server closed the connection');
  });

  test('a WASender request with a wrong or missing secret gets 401 from its head; the right one is read and stored', async () => {
    const wrong = await exchange(port, head('/webhook/wasender', { 'content-type': 'application/json', 'content-length': 1 << 20, 'x-webhook-signature': `${WASENDER_SECRET}x` }));
    assert.equal(statusOf(wrong.text), 401, wrong.text);
    assert.match(wrong.text, /WAHOOK_ERR_SIGNATURE_INVALID/);
    const missing = await exchange(port, head('/webhook/wasender', { 'content-type': 'application/json', 'content-length': 1 << 20 }));
    assert.equal(statusOf(missing.text), 401, missing.text);
    assert.match(missing.text, /WAHOOK_ERR_SIGNATURE_MISSING/);
    // The control: the right secret is not answered from the head; the server waits for the body and stores it.
    const body = Buffer.from('{"event":"session.status","data":{"status":"connected"}}');
    const waiting = await exchange(port, head('/webhook/wasender', { 'content-type': 'application/json', 'content-length': body.length, 'x-webhook-signature': WASENDER_SECRET }), undefined, 300);
    assert.equal(waiting.text, '', 'no answer before the body');
    const right = await exchange(port, head('/webhook/wasender', { 'content-type': 'application/json', 'content-length': body.length, 'x-webhook-signature': WASENDER_SECRET, connection: 'close' }), body);
    assert.equal(statusOf(right.text), 200, right.text);
  });
});

describe('edge: large bodies, hashed as they arrive', () => {
  let g: TestGateway;
  let port: number;
  before(async () => {
    g = await startGateway();
    port = Number(new URL(g.url).port);
  });
  after(async () => { await g.close(); });

  test('signed bodies sent in pieces, below and past the one-shot size, are stored byte for byte; one changed byte is 401', async () => {
    for (const [text, piece] of [['a'.repeat(60_000), 1000], ['b'.repeat(70_000), 16_384], ['c'.repeat(1_000_000), 65_536]] as const) {
      const body = cloudTextBody(text);
      const sig = signedHeaders(body, SECRET);
      const ok = await exchange(port, head('/webhook', { ...sig, 'content-length': body.length, connection: 'close' }), piecesOf(body, piece), 10_000, 1);
      assert.equal(statusOf(ok.text), 200, `${body.length} bytes: ${ok.text.slice(0, 200)}`);
      const altered = Buffer.from(body);
      altered[body.length - 10]! ^= 1;
      const bad = await exchange(port, head('/webhook', { ...sig, 'content-length': body.length, connection: 'close' }), piecesOf(altered, piece), 10_000, 1);
      assert.equal(statusOf(bad.text), 401, `${body.length} bytes altered: ${bad.text.slice(0, 200)}`);
      assert.match(bad.text, /WAHOOK_ERR_SIGNATURE_INVALID/);
      const stored = await allDeliveries(g.log);
      assert.ok(stored.at(-1)!.body.equals(body), `${body.length} bytes stored as sent`);
    }
    assert.equal((await allDeliveries(g.log)).length, 3);
  });
});
