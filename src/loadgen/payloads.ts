import { signCloudApi } from '../core/signature.js';
import { buildRequest } from './http-client.js';

/**
 * A realistic Cloud API text-message delivery. Non-ASCII is \u-escaped as
 * Meta sends it, so signatures are computed over the same kind of bytes.
 *
 * @example cloudTextMessage({ id: 'wamid.1', nowSec: 1790000000, text: 'Olá' })
 */
export function cloudTextMessage(o: { id: string; nowSec: number; text?: string; from?: string; name?: string }): Buffer {
  const from = o.from ?? '16505551234';
  return metaJson({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
      contacts: [{ profile: { name: o.name ?? 'Sheena Nelson' }, wa_id: from }],
      messages: [{ from, id: o.id, timestamp: String(o.nowSec), type: 'text', text: { body: o.text ?? 'Does it come in another color?' } }],
    } }] }],
  });
}

/** JSON as Meta serialises it: non-ASCII \u-escaped, so signatures cover the same kind of bytes. */
export function metaJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Message ids shaped like Meta's, unique per sequence number. */
export function benchMessageId(seq: number): string {
  return `wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCRDQ1OEI2QUY${seq.toString(36)}`;
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
    const body = cloudTextMessage({ id: benchMessageId(start + i), nowSec });
    const req = buildRequest(host, path, { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(body, secret) }, body);
    parts.push(req);
    total += req.length;
    ends[i] = total;
  }
  const all = Buffer.concat(parts, total);
  parts.length = 0;
  return { size: count, at: (i) => all.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]!) };
}
