import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, shortHash } from './canonical.js';

describe('canonical JSON', () => {
  it('sorts object keys at every depth', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('matches JSON.stringify for parsed JSON, up to key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        assert.deepStrictEqual(JSON.parse(canonicalJson(v)), JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('is insensitive to member order', () => {
    assert.equal(canonicalJson({ x: 1, y: [1, 2] }), canonicalJson({ y: [1, 2], x: 1 }));
    assert.equal(shortHash({ x: 1, y: 2 }), shortHash({ y: 2, x: 1 }));
  });

  it('treats what JSON cannot hold the way JSON.stringify does', () => {
    assert.equal(canonicalJson(undefined), 'null');
    assert.equal(canonicalJson([undefined, Number.NaN, -0]), '[null,null,0]');
    assert.equal(canonicalJson({ gone: undefined, kept: 1 }), '{"kept":1}');
    assert.equal(canonicalJson(10n), '"10"');
  });

  it('hashes to 16 lowercase hex characters and tells values apart', () => {
    assert.match(shortHash({ a: 1 }), /^[0-9a-f]{16}$/);
    assert.notEqual(shortHash({ a: 1 }), shortHash({ a: 2 }));
    assert.notEqual(shortHash('1'), shortHash(1));
  });
});
