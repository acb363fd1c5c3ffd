import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packBatch, unpackBatch, unpackResult, type WireDelivery } from './delivery-wire.js';

test('a packed batch unpacks to the same deliveries, in order, across scopes', () => {
  const pooled = Buffer.from('xx{"a":1}yy{"b":"\\u00e9"}zz');
  const batch: WireDelivery[] = [
    { tenant: 'default', provider: 'cloud_api', receivedAt: 1790000000123, body: pooled.subarray(2, 9), signature: Buffer.alloc(32, 7), headers: '' },
    { tenant: 'acme', provider: 'wasender', receivedAt: 1790000000124, body: new Uint8Array(0), signature: null, headers: '{}' },
    { tenant: 'default', provider: 'cloud_api', receivedAt: 1790000000125, body: pooled.subarray(11, 25), signature: null, headers: '{"content-type":"application/json; charset=utf-8","x":"Olá ✓"}' },
  ];
  const packed = packBatch(batch);
  assert.deepEqual(packed.scopes, ['default\u0000cloud_api', 'acme\u0000wasender']);
  // The batch owns its buffer exactly, so transferring it moves no one else's bytes.
  assert.equal(packed.bytes.buffer.byteLength, packed.bytes.byteLength);
  const back = unpackBatch(packed);
  const plain = (d: WireDelivery) => ({ ...d, body: Buffer.from(d.body).toString(), signature: d.signature && Buffer.from(d.signature).toString('hex') });
  assert.deepEqual(back.map(plain), batch.map(plain));
});

test('results keep ids and duplicate flags (a duplicate travels as its negated id)', () => {
  const packed = Float64Array.from([7, -7, 2 ** 40]);
  assert.deepEqual([0, 1, 2].map((i) => unpackResult(packed, i)), [{ id: '7', duplicate: false }, { id: '7', duplicate: true }, { id: String(2 ** 40), duplicate: false }]);
});
