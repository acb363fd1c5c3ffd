import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { constantTimeEqual, hmacSha256Hex, signCloudApi, verifyCloudApi } from './signature.js';

test('matches a published HMAC-SHA256 webhook vector', () => {
  // Prepare: the vector from GitHub's webhook-validation docs (same HMAC-SHA256 over raw bytes).
  const body = Buffer.from('Hello, World!');
  // Act
  const sig = signCloudApi(body, "It's a Secret to Everybody");
  // Assess
  assert.equal(sig, 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  assert.equal(verifyCloudApi(body, sig, ["It's a Secret to Everybody"]), true);
});

test('non-ASCII bodies are verified over the raw escaped bytes, not a re-serialisation', () => {
  const raw = Buffer.from('{"object":"whatsapp_business_account","entry":[{"changes":[],"text":"\\u00e4\\u00f6\\u00e5 \\ud83d\\ude00"}]}');
  const sig = signCloudApi(raw, 's3cret');
  assert.equal(verifyCloudApi(raw, sig, ['s3cret']), true);
  const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
  assert.notDeepEqual(reserialised, raw);
  assert.equal(verifyCloudApi(reserialised, sig, ['s3cret']), false);
});

test('raw UTF-8 bodies verify byte for byte too', () => {
  const raw = Buffer.from('{"text":"Olá, Zürich — 你好"}', 'utf8');
  assert.equal(verifyCloudApi(raw, signCloudApi(raw, 'k'), ['k']), true);
});

test('any of several secrets verifies (rotation)', () => {
  const body = Buffer.from('{}');
  assert.equal(verifyCloudApi(body, signCloudApi(body, 'old'), ['new', 'old']), true);
  assert.equal(verifyCloudApi(body, signCloudApi(body, 'new'), ['new', 'old']), true);
  assert.equal(verifyCloudApi(body, signCloudApi(body, 'other'), ['new', 'old']), false);
});

test('malformed headers never verify', () => {
  const body = Buffer.from('{}');
  const good = signCloudApi(body, 'k');
  for (const bad of [undefined, '', 'sha256=', good.slice(7), `sha1=${good.slice(7)}`, `${good}00`, good.slice(0, -2), `sha256=${'z'.repeat(64)}`]) {
    assert.equal(verifyCloudApi(body, bad, ['k']), false, String(bad));
  }
  assert.equal(verifyCloudApi(body, good.toUpperCase().replace('SHA256=', 'sha256='), ['k']), true);
  assert.equal(verifyCloudApi(Buffer.from('{} '), good, ['k']), false);
});

test('constantTimeEqual compares plain secrets of any length', () => {
  assert.equal(constantTimeEqual('abc', 'abc'), true);
  assert.equal(constantTimeEqual('abc', 'abcd'), false);
  assert.equal(constantTimeEqual(undefined, 'abc'), false);
  assert.equal(constantTimeEqual('', 'abc'), false);
});

test('a signature is compared digit by digit: upper-case hex matches, every other character refuses', () => {
  const body = Buffer.from('{"a":1}');
  const hex = signCloudApi(body, 'k').slice(7);
  assert.equal(verifyCloudApi(body, `SHA256=${hex.toUpperCase()}`, ['k']), true);
  for (let i = 0; i < 64; i += 7) {
    // A control character that `| 0x20` would turn into the right digit, and a wrong digit, at each position.
    const digit = hex.charCodeAt(i);
    const alias = digit <= 0x39 ? String.fromCharCode(digit - 0x20) : hex[i]!;
    const wrong = hex[i] === '0' ? '1' : '0';
    if (alias !== hex[i]) assert.equal(verifyCloudApi(body, `sha256=${hex.slice(0, i)}${alias}${hex.slice(i + 1)}`, ['k']), false, `alias at ${i}`);
    assert.equal(verifyCloudApi(body, `sha256=${hex.slice(0, i)}${wrong}${hex.slice(i + 1)}`, ['k']), false, `wrong at ${i}`);
  }
  assert.equal(constantTimeEqual('s3cret', 's3cret'), true);
  assert.equal(constantTimeEqual('s3cret', 'S3cret'), false);
});

test('HMAC-SHA256 matches RFC 4231 and node:crypto for keys and bodies of every size that matters', () => {
  // A key's first use takes createHmac and later ones the prepared key: both are checked.
  const twice = (body: Buffer, secret: string): string => {
    const first = hmacSha256Hex(body, secret);
    assert.equal(hmacSha256Hex(body, secret), first, 'first and later use of a key');
    return first;
  };
  // RFC 4231, test cases 1 and 2 (keys that are text).
  assert.equal(twice(Buffer.from('Hi There'), '\u000b'.repeat(20)), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
  assert.equal(twice(Buffer.from('what do ya want for nothing?'), 'Jefe'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  // Keys around the 64-byte block (longer ones are hashed first), multi-byte UTF-8 keys, and bodies on
  // either side of the one-shot path's limit.
  const keyLengths = [0, 1, 31, 32, 63, 64, 65, 100, 200];
  const bodyLengths = [0, 1, 55, 56, 63, 64, 65, 500, 4096, 65_535, 65_536, 65_537, 200_000];
  for (const kl of keyLengths) {
    for (const secret of ['k'.repeat(kl), 'é✓'.repeat(Math.ceil(kl / 2))]) {
      for (const bl of bodyLengths) {
        const body = randomBytes(bl);
        assert.equal(twice(body, secret), createHmac('sha256', secret).update(body).digest('hex'), `key ${kl}, body ${bl}`);
      }
    }
  }
  // The same key again, after other keys and a large body went through the shared buffers.
  const body = randomBytes(300);
  assert.equal(hmacSha256Hex(body, 'Jefe'), createHmac('sha256', 'Jefe').update(body).digest('hex'));
  assert.equal(verifyCloudApi(body, signCloudApi(body, 'Jefe'), ['other', 'Jefe']), true);
});
