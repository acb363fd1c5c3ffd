import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import type { GatewayError } from '../../src/core/errors.js';
import type { EdgeObservation } from '../../src/ports/telemetry.js';
import { allDeliveries, SECRET, startGateway, WASENDER_SECRET, type TestGateway } from '../helpers/gateway.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until } from '../helpers/pipeline.js';
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

describe('edge: a budget for bodies held before their signature is checked', () => {
  // Bodies up to 64 KiB, and at most 128 KiB of them held at once.
  let g: TestGateway;
  let port: number;
  before(async () => {
    g = await startGateway({ flags: { 'body-limit': '65536', 'unverified-body-budget': '131072' } });
    port = Number(new URL(g.url).port);
  });
  after(async () => { await g.close(); });

  /** A connection that sends a signed head announcing `declared` bytes and `sent` of them, then waits. */
  const holder = (declared: number, sent: number): Promise<{ socket: Socket; text: () => string }> =>
    new Promise((resolve) => {
      let text = '';
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`${head('/webhook', { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'content-length': declared })}\r\n\r\n`);
        socket.write(Buffer.alloc(sent, 0x20), () => resolve({ socket, text: () => text }));
      });
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('error', () => {});
    });

  test('past the budget a request is 503 with Retry-After, from its head or midway; under it webhooks are stored; closed senders give their bytes back', async () => {
    // Prepare: two slow senders hold 100 KiB of the 128 between them.
    const a = await holder(60_000, 50 * 1024);
    const b = await holder(60_000, 50 * 1024);
    await new Promise((r) => setTimeout(r, 100));
    // Act and assess: a third announcing 60,000 bytes no longer fits, and is refused before it sends any.
    const byHead = await exchange(port, head('/webhook', { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'content-length': 60_000 }));
    assert.equal(statusOf(byHead.text), 503, byHead.text);
    assert.match(byHead.text, /\r\nretry-after: 1\r\n/i);
    assert.match(byHead.text, /\r\nconnection: close\r\n/i);
    assert.match(byHead.text, /WAHOOK_ERR_HTTP_BODY_BUDGET/);
    assert.ok(byHead.closed, 'closed without waiting for the body');
    // A chunked body announces nothing: it is refused at the chunk that would go past the budget.
    const chunk = Buffer.alloc(40 * 1024, 0x20);
    const midway = await exchange(port, head('/webhook', { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'transfer-encoding': 'chunked' }),
      [Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    assert.equal(statusOf(midway.text), 503, midway.text);
    assert.match(midway.text, /\r\nretry-after: 1\r\n/i);
    assert.match(midway.text, /WAHOOK_ERR_HTTP_BODY_BUDGET/);
    // A webhook that fits in what is left is stored.
    const body = cloudTextBody('fits');
    const fits = await exchange(port, head('/webhook', { ...signedHeaders(body, SECRET), 'content-length': body.length, connection: 'close' }), body);
    assert.equal(statusOf(fits.text), 200, fits.text);
    // The slow senders give up: what they held is released, and a 60 KB body fits again.
    assert.equal(a.text(), '', 'the holders were never answered');
    a.socket.destroy();
    b.socket.destroy();
    const large = cloudTextBody('x'.repeat(59_000));
    await until(async () => {
      const r = await exchange(port, head('/webhook', { ...signedHeaders(large, SECRET), 'content-length': large.length, connection: 'close' }), large);
      return statusOf(r.text) === 200;
    }, 3000, 'a 60 KB webhook to be stored once the holders closed');
  });
});

describe('edge: a cap on connections', () => {
  const seen: EdgeObservation[] = [];
  let g: TestGateway;
  let port: number;
  before(async () => {
    g = await startGateway({ flags: { 'max-connections': '3' }, telemetry: { edge: (o) => void seen.push(o) } });
    port = Number(new URL(g.url).port);
  });
  after(async () => { await g.close(); });

  test('past maxConnections a new connection is closed at once and counted; once one closes, webhooks are served again', async () => {
    const idle = await Promise.all(Array.from({ length: 3 }, () => new Promise<Socket>((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', () => {});
    })));
    const body = cloudTextBody('over the cap');
    const refused = await exchange(port, head('/webhook', { ...signedHeaders(body, SECRET), 'content-length': body.length }), body);
    assert.deepEqual(refused, { text: '', closed: true });
    assert.ok(seen.some((o) => o.route === 'connection' && o.status === 503 && o.code === 'WAHOOK_ERR_HTTP_CONNECTION_LIMIT'));
    idle[0]!.destroy();
    await until(async () => statusOf((await exchange(port, head('/webhook', { ...signedHeaders(body, SECRET), 'content-length': body.length, connection: 'close' }), body)).text) === 200, 3000, 'a webhook to be served');
    for (const s of idle) s.destroy();
  });
});

test('the budget and the cap have defaults, and a budget smaller than the body limit is refused', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.unverifiedBodyBudgetBytes, 64 * 1024 * 1024);
  assert.equal(config.maxConnections, 1024);
  assert.throws(() => loadConfig({ flags: { 'body-limit': '4194304', 'unverified-body-budget': '1048576' }, env: {} }), (e: GatewayError) => e.code === 'WAHOOK_ERR_CONFIG_INVALID' && /unverifiedBodyBudgetBytes/.test(e.message));
});
