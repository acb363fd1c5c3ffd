import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { BodyHmac } from './body-hmac.js';
import { signCloudApi, verifyCloudApi } from './signature.js';

/** `body` cut at random places into pieces, some of them empty. */
function pieces(body: Buffer, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  let x = seed;
  while (at < body.length) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const n = x % 3 === 0 ? 0 : 1 + (x % 70_000);
    out.push(body.subarray(at, at + n));
    at += n;
  }
  return out;
}

const streamed = (body: Buffer, seed: number, header: string | undefined, secrets: readonly string[]): boolean => {
  const h = new BodyHmac(secrets);
  for (const p of pieces(body, seed)) h.update(p);
  return h.matches(header);
};

test('fed in pieces, it gives verifyCloudApi\'s verdict on the whole body: right, rotated, wrong and altered', () => {
  for (const [i, size] of [0, 1, 487, 65_536, 65_537, 300_000, 3_000_000].entries()) {
    const body = randomBytes(size);
    for (const secrets of [['k'], ['new', 'old'], ['é✓'.repeat(40)]]) {
      for (const signer of [...secrets, 'other']) {
        const sig = signCloudApi(body, signer);
        const expected = verifyCloudApi(body, sig, secrets);
        assert.equal(expected, secrets.includes(signer));
        assert.equal(streamed(body, i + 1, sig, secrets), expected, `${size} bytes, signed with ${signer}`);
      }
    }
    if (size > 0) {
      const altered = Buffer.from(body);
      altered[altered.length >> 1]! ^= 1;
      assert.equal(streamed(altered, i + 7, signCloudApi(body, 'k'), ['k']), false, `${size} bytes, one bit flipped`);
    }
  }
});

test('malformed headers never match; upper-case hex does', () => {
  const body = randomBytes(100_000);
  const good = signCloudApi(body, 'k');
  for (const bad of [undefined, '', 'sha256=', good.slice(7), `sha1=${good.slice(7)}`, `${good}00`, good.slice(0, -2), `sha256=${'z'.repeat(64)}`]) {
    assert.equal(streamed(body, 3, bad, ['k']), false, String(bad));
  }
  assert.equal(streamed(body, 5, `SHA256=${good.slice(7).toUpperCase()}`, ['k']), true);
});
