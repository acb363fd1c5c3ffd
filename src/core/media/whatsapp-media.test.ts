import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { encryptWhatsAppMedia } from '../../../test/helpers/whatsapp-media.js';
import { isGatewayError } from '../errors.js';
import { MAC_BYTES, MediaDecryptor } from './whatsapp-media.js';
import type { MediaKind } from './reference.js';

const KEY = Buffer.from('f3a0c1d2e3f40516273849a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4', 'hex');
const hex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');

/** Feeds `enc` in chunks of the given sizes (cycled) and returns the plaintext, or the error. */
function decrypt(enc: Buffer, kind: MediaKind, facts: { fileEncSha256: string; fileSha256: string; fileLength?: number }, sizes: readonly number[] = [65536]): Buffer {
  const d = new MediaDecryptor(KEY, kind, facts);
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < enc.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(d.push(enc.subarray(at, at + n)));
    at += n;
  }
  out.push(d.finish());
  return Buffer.concat(out);
}

function integrityError(fn: () => unknown, why: RegExp): void {
  assert.throws(fn, (e: unknown) => isGatewayError(e) && e.code === 'WAHOOK_ERR_MEDIA_INTEGRITY' && why.test(e.message));
}

describe('WhatsApp media decryption', () => {
  for (const kind of ['image', 'sticker', 'video', 'audio', 'document'] as const) {
    test(`${kind}: a file encrypted with a known key decrypts to its plaintext, whatever the chunking`, () => {
      const plain = randomBytes(70_001);
      const m = encryptWhatsAppMedia(plain, kind, KEY);
      const facts = { fileEncSha256: hex(m.fileEncSha256), fileSha256: hex(m.fileSha256), fileLength: plain.length };
      assert.deepEqual(decrypt(m.enc, kind, facts), plain);
      assert.deepEqual(decrypt(m.enc, kind, facts, [1, 7, 10, 16, 9, 4099]), plain, 'odd chunk sizes, the MAC split across chunks');
    });
  }

  test('a plaintext of whole blocks grows by a block of padding and still round-trips', () => {
    const plain = randomBytes(4096);
    const m = encryptWhatsAppMedia(plain, 'document', KEY);
    assert.equal(m.enc.length, 4096 + 16 + MAC_BYTES);
    assert.deepEqual(decrypt(m.enc, 'document', { fileEncSha256: hex(m.fileEncSha256), fileSha256: hex(m.fileSha256) }), plain);
  });

  test('each check fails on its own fault, in whatsmeow\'s order', () => {
    const plain = randomBytes(5000);
    const m = encryptWhatsAppMedia(plain, 'image', KEY);
    const facts = { fileEncSha256: hex(m.fileEncSha256), fileSha256: hex(m.fileSha256), fileLength: plain.length };
    const flipped = Buffer.from(m.enc);
    flipped[100] = flipped[100]! ^ 1;
    integrityError(() => decrypt(flipped, 'image', facts), /fileEncSha256/);
    // With the download's hash matching the altered bytes, the MAC is what catches them.
    integrityError(() => decrypt(flipped, 'image', { ...facts, fileEncSha256: createHash('sha256').update(flipped).digest('hex') }), /MAC/);
    integrityError(() => decrypt(m.enc, 'video', facts), /MAC/);
    integrityError(() => decrypt(m.enc, 'image', { ...facts, fileSha256: 'ab'.repeat(32) }), /fileSha256/);
    integrityError(() => decrypt(m.enc, 'image', { ...facts, fileLength: plain.length + 1 }), /fileLength/);
    const short = m.enc.subarray(0, m.enc.length - 3);
    integrityError(() => decrypt(short, 'image', { ...facts, fileEncSha256: createHash('sha256').update(short).digest('hex') }), /whole AES blocks/);
  });
});
