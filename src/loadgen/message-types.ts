/**
 * Inbound Cloud API message items of every type a business number receives,
 * in the shapes Meta documents (media ids, sha256, captions, contexts). The
 * load generator mixes them so that a run exercises every normaliser.
 */

export interface InboundContext {
  readonly id: string;
  readonly from: string;
  readonly ts: number;
  /** An earlier message id (replies, reactions, button clicks refer to one). */
  readonly earlier: string;
  /** A number to vary ids, texts and coordinates with. */
  readonly n: number;
}

type Content = (c: InboundContext) => Record<string, unknown>;

const media = (kind: string, mime: string, extra: object = {}): Content => (c) => ({
  [kind]: { mime_type: mime, sha256: `${c.n.toString(16).padStart(8, '0')}q8Gq7b5o0Vh2YzqZr1Yk3hQ5mP0=`, id: String(1_480_000_000_000_000 + c.n), ...extra },
});

/** Each type with its content; `type` is what the message's `type` field says. */
export const INBOUND_TYPES: readonly { type: string; content: Content }[] = [
  { type: 'text', content: (c) => ({ text: { body: `Is order #${c.n} on its way? Olá, Zürich` } }) },
  { type: 'text', content: (c) => ({ text: { body: 'Yes, that one' }, context: { from: '15550783881', id: c.earlier } }) },
  { type: 'image', content: media('image', 'image/jpeg', { caption: 'The box arrived like this' }) },
  { type: 'audio', content: media('audio', 'audio/ogg; codecs=opus', { voice: true }) },
  { type: 'video', content: media('video', 'video/mp4') },
  { type: 'document', content: media('document', 'application/pdf', { filename: 'invoice.pdf', caption: 'Invoice' }) },
  { type: 'sticker', content: media('sticker', 'image/webp', { animated: false }) },
  { type: 'location', content: (c) => ({ location: { latitude: 38.7 + (c.n % 100) / 1000, longitude: -9.14, name: 'Warehouse', address: 'Rua Augusta 1, Lisboa' } }) },
  {
    type: 'contacts',
    content: () => ({ contacts: [{ name: { formatted_name: 'Ana Silva', first_name: 'Ana', last_name: 'Silva' }, phones: [{ phone: '+351 912 345 678', type: 'CELL', wa_id: '351912345678' }] }] }),
  },
  { type: 'interactive', content: (c) => ({ interactive: { type: 'button_reply', button_reply: { id: 'confirm', title: 'Confirm' } }, context: { from: '15550783881', id: c.earlier } }) },
  { type: 'interactive', content: (c) => ({ interactive: { type: 'list_reply', list_reply: { id: 'slot-2', title: 'Tuesday 10:00', description: 'Morning' } }, context: { from: '15550783881', id: c.earlier } }) },
  { type: 'button', content: (c) => ({ button: { payload: 'STOP_PROMOTIONS', text: 'Stop promotions' }, context: { from: '15550783881', id: c.earlier } }) },
  { type: 'reaction', content: (c) => ({ reaction: { message_id: c.earlier, emoji: '\u{1F44D}' } }) },
  {
    type: 'order',
    content: (c) => ({ order: { catalog_id: '3120491948294828', text: 'For delivery', product_items: [{ product_retailer_id: `sku-${c.n % 40}`, quantity: 2, item_price: 12.5, currency: 'EUR' }] } }),
  },
];

/** One inbound message item of the given type index (wrapped round the list). */
export function inboundMessage(typeIndex: number, c: InboundContext): Record<string, unknown> {
  const t = INBOUND_TYPES[typeIndex % INBOUND_TYPES.length]!;
  return { from: c.from, id: c.id, timestamp: String(c.ts), type: t.type, ...t.content(c) };
}

/** A status item as Meta sends it; `sent` carries the conversation and pricing blocks. */
export function statusItem(id: string, status: string, ts: number, recipient: string): Record<string, unknown> {
  const item: Record<string, unknown> = { id, status, timestamp: String(ts), recipient_id: recipient };
  if (status === 'sent') {
    item.conversation = { id: `c${id.slice(-12)}`, expiration_timestamp: String(ts + 86_400), origin: { type: 'marketing' } };
    item.pricing = { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' };
  }
  return item;
}
