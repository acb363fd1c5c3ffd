import { createDecipheriv, createHash, createHmac, hkdfSync, timingSafeEqual, type Decipher, type Hash, type Hmac } from 'node:crypto';
import { GatewayError } from '../errors.js';
import type { MediaKind } from './reference.js';

/**
 * WhatsApp's media encryption, as WASender passes it on:
 *
 *   expanded  = HKDF-SHA256(mediaKey, salt = empty, info = INFO[kind], 112 bytes)
 *   iv        = expanded[0:16], cipherKey = expanded[16:48], macKey = expanded[48:80]
 *   file.enc  = AES-256-CBC(cipherKey, iv, PKCS7(plaintext)) || HMAC-SHA256(macKey, iv || ciphertext)[0:10]
 *   fileEncSha256 = SHA-256(file.enc), fileSha256 = SHA-256(plaintext)
 *
 * Checked in whatsmeow's order: the download's hash, then the MAC, then the
 * padding, then the plaintext's hash. A valid padding proves nothing (a
 * flipped byte can leave it intact), and Baileys' own download path checks
 * none of these, so its shortcuts are not copied.
 */
export const MEDIA_INFO: Readonly<Record<MediaKind, string>> = {
  image: 'WhatsApp Image Keys',
  sticker: 'WhatsApp Image Keys',
  video: 'WhatsApp Video Keys',
  audio: 'WhatsApp Audio Keys',
  document: 'WhatsApp Document Keys',
};

export const MAC_BYTES = 10;
const BLOCK = 16;
const EMPTY = Buffer.alloc(0);

export interface MediaKeys {
  readonly iv: Buffer;
  readonly cipherKey: Buffer;
  readonly macKey: Buffer;
}

/** @example mediaKeys(Buffer.alloc(32, 1), 'image').iv.length // 16 */
export function mediaKeys(mediaKey: Buffer, kind: MediaKind): MediaKeys {
  // An empty salt is the same as 32 zero bytes (RFC 5869 §2.2).
  const expanded = Buffer.from(hkdfSync('sha256', mediaKey, EMPTY, MEDIA_INFO[kind], 112));
  return { iv: expanded.subarray(0, 16), cipherKey: expanded.subarray(16, 48), macKey: expanded.subarray(48, 80) };
}

export interface EncryptedMediaFacts {
  /** Lowercase hex. */
  readonly fileEncSha256: string;
  readonly fileSha256: string;
  readonly fileLength?: number;
}

function integrity(why: string): GatewayError {
  return new GatewayError('WAHOOK_ERR_MEDIA_INTEGRITY', `WhatsApp media ${why}; nothing was stored`);
}

/**
 * Decrypts a download as it streams: every byte is hashed, the last ten
 * (the MAC) are held back, and the rest go to the HMAC and the decipher.
 * `push` returns plaintext to write to a temporary file; `finish` runs the
 * checks and returns the last plaintext, or throws
 * WAHOOK_ERR_MEDIA_INTEGRITY, after which the caller discards the file.
 *
 * @example
 * const d = new MediaDecryptor(key, 'image', facts);
 * for (const chunk of download) out.write(d.push(chunk));
 * out.write(d.finish());
 */
export class MediaDecryptor {
  private readonly encHash: Hash = createHash('sha256');
  private readonly plainHash: Hash = createHash('sha256');
  private readonly mac: Hmac;
  private readonly decipher: Decipher;
  private tail: Buffer = EMPTY;
  private encBytes = 0;
  private plainBytes = 0;

  constructor(mediaKey: Buffer, kind: MediaKind, private readonly expected: EncryptedMediaFacts) {
    const keys = mediaKeys(mediaKey, kind);
    this.mac = createHmac('sha256', keys.macKey).update(keys.iv);
    this.decipher = createDecipheriv('aes-256-cbc', keys.cipherKey, keys.iv);
  }

  /** Bytes of the encrypted download seen so far. */
  get received(): number {
    return this.encBytes;
  }

  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return EMPTY;
    this.encHash.update(chunk);
    this.encBytes += chunk.length;
    const joined = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    const body = joined.subarray(0, Math.max(0, joined.length - MAC_BYTES));
    // A copy, so the held-back bytes do not pin the whole chunk in memory.
    this.tail = Buffer.from(joined.subarray(body.length));
    if (body.length === 0) return EMPTY;
    this.mac.update(body);
    return this.out(this.decipher.update(body));
  }

  finish(): Buffer {
    if (this.encHash.digest('hex') !== this.expected.fileEncSha256) throw integrity('does not match its fileEncSha256');
    const cipherBytes = this.encBytes - MAC_BYTES;
    if (cipherBytes < BLOCK || cipherBytes % BLOCK !== 0) throw integrity(`is ${this.encBytes} bytes, not whole AES blocks plus a ${MAC_BYTES}-byte MAC`);
    const mac = this.mac.digest().subarray(0, MAC_BYTES);
    if (!timingSafeEqual(mac, this.tail)) throw integrity('fails its MAC (wrong key, wrong media kind, or altered bytes)');
    let last: Buffer;
    try {
      last = this.out(this.decipher.final());
    } catch {
      throw integrity('has a bad padding');
    }
    if (this.plainHash.digest('hex') !== this.expected.fileSha256) throw integrity('decrypts to bytes that do not match its fileSha256');
    if (this.expected.fileLength !== undefined && this.plainBytes !== this.expected.fileLength) {
      throw integrity(`decrypts to ${this.plainBytes} bytes, not the ${this.expected.fileLength} of its fileLength`);
    }
    return last;
  }

  private out(plain: Buffer): Buffer {
    this.plainHash.update(plain);
    this.plainBytes += plain.length;
    return plain;
  }
}
