import { createCipheriv, createHash, createHmac } from 'node:crypto';

const INFO: Record<string, string> = {
  image: 'WhatsApp Image Keys', sticker: 'WhatsApp Image Keys', video: 'WhatsApp Video Keys', audio: 'WhatsApp Audio Keys', document: 'WhatsApp Document Keys',
};

/** RFC 5869 written out with HMAC, so the tests do not check the decryptor against the very call it makes. */
function hkdf(ikm: Buffer, info: string, length: number): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * 32 < length; i++) {
    previous = createHmac('sha256', prk).update(Buffer.concat([previous, Buffer.from(info), Buffer.from([i])])).digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

export interface EncryptedMedia {
  /** iv-less ciphertext plus the 10-byte MAC: what WhatsApp's CDN serves. */
  readonly enc: Buffer;
  readonly mediaKey: Buffer;
  /** Base64, as WASender sends them. */
  readonly fileSha256: string;
  readonly fileEncSha256: string;
}

/** Encrypts as a WhatsApp client does (see docs: wasender.md, section 8a), for test vectors with a known key. */
export function encryptWhatsAppMedia(plain: Buffer, kind: string, mediaKey: Buffer): EncryptedMedia {
  const expanded = hkdf(mediaKey, INFO[kind]!, 112);
  const iv = expanded.subarray(0, 16);
  const cipher = createCipheriv('aes-256-cbc', expanded.subarray(16, 48), iv);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  const mac = createHmac('sha256', expanded.subarray(48, 80)).update(iv).update(ciphertext).digest().subarray(0, 10);
  const enc = Buffer.concat([ciphertext, mac]);
  return {
    enc,
    mediaKey,
    fileSha256: createHash('sha256').update(plain).digest('base64'),
    fileEncSha256: createHash('sha256').update(enc).digest('base64'),
  };
}

/** The `imageMessage` (or other) object of a WASender media message for this file. */
export function wasenderMediaObject(m: EncryptedMedia, plainLength: number, where: { url?: string; directPath?: string }, mimetype = 'image/jpeg'): Record<string, unknown> {
  return {
    ...where,
    mimetype,
    mediaKey: m.mediaKey.toString('base64'),
    fileSha256: m.fileSha256,
    fileEncSha256: m.fileEncSha256,
    fileLength: String(plainLength),
    mediaKeyTimestamp: '1739400099',
  };
}
