import { signCloudApi } from '../core/signature.js';
import { buildRequest } from './http-client.js';

/**
 * Realistic Cloud API traffic: a text message with a unique id, signed with
 * the same sign() the gateway verifies with.
 */
export function cloudTextMessage(seq: number, nowSec: number): Buffer {
  const id = `wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCRDQ1OEI2QUY${seq.toString(36)}`;
  return Buffer.from(JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
      contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
      messages: [{ from: '16505551234', id, timestamp: String(nowSec), type: 'text', text: { body: 'Does it come in another color?' } }],
    } }] }],
  }));
}

/**
 * Prebuilds `count` signed, unique requests so signing costs nothing during
 * the run. They live in one contiguous buffer: tens of thousands of separate
 * Buffers make the generator's own major GCs show up as server latency.
 */
export function signedRequestPool(count: number, secret: string, host = '127.0.0.1', path = '/webhook', start = 0): { size: number; at(i: number): Buffer } {
  const nowSec = Math.floor(Date.now() / 1000);
  const parts: Buffer[] = [];
  const ends = new Uint32Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const body = cloudTextMessage(start + i, nowSec);
    const req = buildRequest(host, path, { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(body, secret) }, body);
    parts.push(req);
    total += req.length;
    ends[i] = total;
  }
  const all = Buffer.concat(parts, total);
  parts.length = 0;
  return { size: count, at: (i) => all.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]!) };
}
