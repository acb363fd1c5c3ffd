import { signCloudApi } from '../../src/core/signature.js';

let seq = 0;

/** A realistic Cloud API text-message delivery with a unique message id. */
export function cloudTextBody(text = 'hello', id = `wamid.test.${process.pid}.${Date.now()}.${seq++}`, from = '16505551234'): Buffer {
  return Buffer.from(
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
        contacts: [{ profile: { name: 'Kerry Fisher' }, wa_id: from }],
        messages: [{ from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
      } }] }],
    }),
  );
}

export function signedHeaders(body: Uint8Array, secret: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(body, secret) };
}
