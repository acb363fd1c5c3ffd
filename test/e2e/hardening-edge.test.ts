import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SECRET, startGateway, type TestGateway } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { signedHeaders } from '../helpers/payloads.js';

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
