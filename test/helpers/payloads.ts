import { signCloudApi } from '../../src/core/signature.js';
import { cloudTextMessage } from '../../src/loadgen/payloads.js';

let seq = 0;

/** A realistic Cloud API text-message delivery with a unique message id. */
export function cloudTextBody(text = 'hello', id = `wamid.test.${process.pid}.${Date.now()}.${seq++}`, from = '16505551234'): Buffer {
  return cloudTextMessage({ id, from, text, name: 'Kerry Fisher', nowSec: Math.floor(Date.now() / 1000) });
}

export function signedHeaders(body: Uint8Array, secret: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(body, secret) };
}
