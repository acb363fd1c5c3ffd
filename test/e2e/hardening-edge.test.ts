import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SECRET, startGateway, type TestGateway } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { signedHeaders } from '../helpers/payloads.js';
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
