/**
 * The drain benchmarks' backlog: a realistic mix of deliveries (every message followed by three
 * statuses, some deliveries batched, 5% duplicates), how it is stored, and the events it must yield.
 */
import { normalize } from '../src/core/normalize/index.js';
import type { Engine } from '../src/ports/engine.js';

const meta = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
const envelope = (value: object): object => ({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: meta, ...value } }] }] });

/** Builds the delivery bodies; `expectedKeys` counts the distinct events they hold. */
export function mix(total: number): { bodies: string[] } {
  const bodies: string[] = [];
  let m = 0;
  let round = 0;
  const ts = 1_790_000_000;
  while (bodies.length < total) {
    // One in ten message deliveries batches 10 messages (a burst); the rest carry one.
    const batch = round++ % 10 === 0 ? 10 : 1;
    const ids = Array.from({ length: batch }, (_, k) => `wamid.bench.${m + k}`);
    const from = (k: number): string => `1650555${String((m + k) % 5000).padStart(4, '0')}`;
    bodies.push(JSON.stringify(envelope({
      contacts: ids.map((_, k) => ({ wa_id: from(k), profile: { name: `Customer ${(m + k) % 5000}` } })),
      messages: ids.map((id, k) => ({ from: from(k), id, timestamp: String(ts + m + k), type: 'text', text: { body: `Order ${m + k}: is it in stock?` } })),
    })));
    for (const status of ['sent', 'delivered', 'read']) {
      // Statuses of a burst arrive batched too.
      bodies.push(JSON.stringify(envelope({ statuses: ids.map((id, k) => ({ id: `${id}.out`, status, timestamp: String(ts + m + k + 1), recipient_id: from(k), conversation: { id: 'c1', origin: { type: 'service' } }, pricing: { billable: true, pricing_model: 'PMP', category: 'service' } })) })));
    }
    m += batch;
  }
  bodies.length = total;
  // 5% duplicates: the same updates again in a differently-shaped delivery (not byte-identical, so they reach the worker).
  const dups = Math.floor(total * 0.05);
  for (let i = 0; i < dups; i++) bodies[total - dups + i] = bodies[i * 7]!.replace('"messaging_product":"whatsapp"', '"messaging_product":"whatsapp","retry":1');
  return { bodies };
}

/** Appends every body through the engine's delivery store, as the edge would, a thousand at a time. */
export async function seed(engine: Engine, bodies: string[]): Promise<void> {
  const store = await engine.openDeliveryStore();
  const now = Date.now();
  for (let i = 0; i < bodies.length; i += 1000) {
    await Promise.all(bodies.slice(i, i + 1000).map((b, k) => store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: now - bodies.length + i + k, body: Buffer.from(b), headers: {} })));
  }
  await store.close();
}

/** The distinct event keys the bodies hold, by the same pure normaliser the worker runs. */
export function expectedKeys(bodies: readonly string[]): Set<string> {
  const keys = new Set<string>();
  bodies.forEach((b, i) => {
    for (const e of normalize({ tenant: 'default', provider: 'cloud_api', deliveryId: String(i), receivedAt: 0 }, JSON.parse(b)).events) keys.add(e.key);
  });
  return keys;
}

/** Compares the keys an engine stored, one row each, with the keys the backlog holds. */
export function exactlyOnce(expected: ReadonlySet<string>, storedKeys: readonly string[]): { expected: number; rows: number; missing: number; unexpected: number; duplicated: number; ok: boolean } {
  const stored = new Set(storedKeys);
  let missing = 0;
  for (const k of expected) if (!stored.has(k)) missing++;
  let unexpected = 0;
  for (const k of stored) if (!expected.has(k)) unexpected++;
  const duplicated = storedKeys.length - stored.size;
  return { expected: expected.size, rows: storedKeys.length, missing, unexpected, duplicated, ok: missing === 0 && unexpected === 0 && duplicated === 0 };
}
