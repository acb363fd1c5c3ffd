import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SECRET, startGateway, type TestGateway } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { exchange, statusOf } from '../helpers/raw.js';

let g: TestGateway;
before(async () => { g = await startGateway(); });
after(async () => { await g.close(); });

test('an envelope whose \\u escape holds the bytes 10 11 12 19 is a 400 with the stable code, and nothing is stored', async () => {
  const body = Buffer.concat([Buffer.from('{"object":"\\u'), Buffer.from([0x10, 0x11, 0x12, 0x19]), Buffer.from('","entry":[]}')]);
  const r = await http(`${g.url}/webhook`, { body, headers: signedHeaders(body, SECRET) });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json().error.code, 'WAHOOK_ERR_PAYLOAD_NOT_JSON');
  assert.equal((await g.log.latest(1)).length, 0, 'nothing was stored');
  // The control: the same envelope with real hex digits is stored.
  const good = Buffer.from('{"object":"\\u1019","entry":[]}');
  assert.equal((await http(`${g.url}/webhook`, { body: good, headers: signedHeaders(good, SECRET) })).status, 200);
  assert.equal((await g.log.latest(5)).length, 1);
});

test('a request head past node\'s 16 KiB limit is a 431 with its own code, not a generic 400', async () => {
  const port = Number(new URL(g.url).port);
  for (const headers of [Array.from({ length: 4000 }, (_, i) => `x-flood-${i}: y`), [`x-big: ${'a'.repeat(65_536)}`]]) {
    const r = await exchange(port, ['POST /webhook HTTP/1.1', 'host: x', 'content-type: application/json', ...headers].join('\r\n'));
    assert.equal(statusOf(r.text), 431, r.text);
    assert.match(r.text, /"code":"WAHOOK_ERR_HTTP_HEADERS_TOO_LARGE"/);
  }
  assert.equal((await http(`${g.url}/healthz`)).status, 200);
});

test('a signed delivery whose text holds invalid UTF-8 is a 400 PAYLOAD_NOT_UTF8, counted and not stored; real multi-byte text is stored', async () => {
  const MARK = 'BAD-BYTES';
  const withBytes = (bytes: number[]): Buffer => {
    const b = cloudTextBody(`before ${MARK} after`);
    const at = b.indexOf(MARK);
    return Buffer.concat([b.subarray(0, at), Buffer.from(bytes), b.subarray(at + MARK.length)]);
  };
  const stored = (await g.log.latest(100)).length;
  const before = (await g.log.edgeCounters()).rejected.WAHOOK_ERR_PAYLOAD_NOT_UTF8 ?? 0;
  // A stray byte, an overlong "/", a UTF-8-encoded lone surrogate, a three-byte sequence cut short.
  const invalid = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]];
  for (const bytes of invalid) {
    const body = withBytes(bytes);
    const r = await http(`${g.url}/webhook`, { body, headers: signedHeaders(body, SECRET) });
    assert.equal(r.status, 400, `${bytes}: ${r.text}`);
    assert.equal(r.json().error.code, 'WAHOOK_ERR_PAYLOAD_NOT_UTF8');
  }
  assert.equal((await g.log.edgeCounters()).rejected.WAHOOK_ERR_PAYLOAD_NOT_UTF8, before + invalid.length);
  assert.equal((await g.log.latest(100)).length, stored, 'nothing was stored');
  // The signature is checked first: a wrong one is still a 401, whatever the bytes.
  const bad = withBytes([0xff]);
  const unsigned = await http(`${g.url}/webhook`, { body: bad, headers: signedHeaders(bad, 'not-the-secret') });
  assert.equal(unsigned.json().error.code, 'WAHOOK_ERR_SIGNATURE_INVALID');
  // The control: the euro sign and an emoji, written as raw UTF-8 (not \u escapes), are a fine delivery.
  const good = withBytes([0xe2, 0x82, 0xac, 0x20, 0xf0, 0x9f, 0x98, 0x80]);
  assert.equal((await http(`${g.url}/webhook`, { body: good, headers: signedHeaders(good, SECRET) })).status, 200);
  assert.equal((await g.log.latest(100)).length, stored + 1);
});

test('below the disk reserve (storeMinFreeMb) the edge answers 503 WAHOOK_ERR_DISK_FULL with Retry-After, /readyz is not ready, the refusal is counted and nothing is stored', async () => {
  // A reserve no disk here has: the data dir's filesystem is "full" from the first request.
  const full = await startGateway({ env: { WAHOOK_MIN_FREE_MB: String(1024 * 1024 * 1024) } });
  try {
    const body = cloudTextBody('no room');
    const r = await http(`${full.url}/webhook`, { body, headers: signedHeaders(body, SECRET) });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json().error.code, 'WAHOOK_ERR_DISK_FULL');
    assert.equal(r.headers['retry-after'], '30');
    const ready = await http(`${full.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(ready.json().error.code, 'WAHOOK_ERR_DISK_FULL');
    assert.equal((await http(`${full.url}/healthz`)).status, 200, 'alive, only not ready');
    assert.equal((await full.log.latest(5)).length, 0);
    assert.equal((await full.log.edgeCounters()).rejected.WAHOOK_ERR_DISK_FULL, 1);
  } finally {
    await full.close();
  }
});
