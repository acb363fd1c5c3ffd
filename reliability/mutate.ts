import { cloudTextMessage } from '../src/loadgen/payloads.js';

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

/** Valid Cloud API deliveries of a few kinds: a text message, a batch of statuses, a failed status, an unknown field. */
function validPayload(r: Rand, i: number): Buffer {
  const nowSec = 1_790_000_000 + i;
  const id = `wamid.fuzz.${i}`;
  const meta = { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' } };
  const envelope = (value: object, field = 'messages'): Buffer => Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ field, value }] }] }));
  switch (int(r, 4)) {
    case 0: return cloudTextMessage({ id, nowSec, text: pick(r, ['hi', 'Olá ✓', '', 'a'.repeat(500)]) });
    case 1: return envelope({ ...meta, statuses: ['sent', 'delivered', 'read'].map((s, k) => ({ id, status: s, timestamp: String(nowSec + k), recipient_id: '16505551234' })) });
    case 2: return envelope({ ...meta, statuses: [{ id, status: 'failed', timestamp: String(nowSec), recipient_id: '16505551234', errors: [{ code: 131047, title: 'Re-engagement message' }] }] });
    default: return envelope({ ...meta, something: { new: [1, 2, 3] } }, 'account_update');
  }
}

/** A random JSON value, sometimes of a hostile size or depth. */
function randomValue(r: Rand, depth = 0): unknown {
  switch (int(r, depth > 3 ? 6 : 9)) {
    case 0: return null;
    case 1: return pick(r, [0, -1, 1e308, -0, 2 ** 53 + 1, 0.5]);
    case 2: return pick(r, [true, false]);
    case 3: return pick(r, ['', 'x', '\u0000', '\ud800', '\u202e', '💥'.repeat(100), 'a'.repeat(10_000)]);
    case 4: return pick(r, ['1790000000', 'not-a-number', '-1', '99999999999999999999']);
    case 5: return '['.repeat(50);
    case 6: return Array.from({ length: int(r, 5) }, () => randomValue(r, depth + 1));
    case 7: return Object.fromEntries(Array.from({ length: int(r, 4) }, (_, k) => [pick(r, ['id', 'type', 'status', 'from', 'timestamp', '__proto__', 'constructor', `k${k}`]), randomValue(r, depth + 1)]));
    default: return JSON.parse(`${'['.repeat(40)}1${']'.repeat(40)}`);
  }
}

/** Every (container, key) in a parsed value, to pick one to change. */
function slots(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, k) => { out.push([v, k]); slots(x, out); });
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) { out.push([v as Record<string, unknown>, k]); slots(x, out); }
  return out;
}

/** Changes the structure: a value replaced by another of any type, a key removed, or a container emptied or doubled. */
function mutateStructure(r: Rand, body: Buffer): Buffer {
  const v = JSON.parse(body.toString('utf8'));
  const all = slots(v);
  const [container, key] = pick(r, all);
  const c = container as Record<string | number, unknown>;
  switch (int(r, 4)) {
    case 0: c[key] = randomValue(r); break;
    case 1: if (Array.isArray(container)) container.splice(key as number, 1); else delete c[key]; break;
    case 2: c[key] = Array.isArray(c[key]) ? [...(c[key] as unknown[]), ...(c[key] as unknown[])] : [c[key], c[key]]; break;
    default: c[key] = Array.isArray(c[key]) ? [] : typeof c[key] === 'object' ? {} : c[key];
  }
  return Buffer.from(JSON.stringify(v));
}

/** Changes the bytes: flips, cuts, inserts and copies, which mostly break the JSON. */
function mutateBytes(r: Rand, body: Buffer): Buffer {
  const b = Buffer.from(body);
  const at = int(r, b.length);
  switch (int(r, 5)) {
    case 0: b[at] = int(r, 256); return b;
    case 1: return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(r, 20)))]);
    case 2: return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(r, 8) }, () => pick(r, [0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x5c, 0x2c, 0x3a, 0x00, 0xff, 0xc0, 0x30]))), b.subarray(at)]);
    case 3: return b.subarray(0, at);
    default: { const from = int(r, b.length); return Buffer.concat([b.subarray(0, at), b.subarray(from, from + int(r, 64)), b.subarray(at)]); }
  }
}

/** The i-th mutated delivery of a run: a valid payload with one to three structural or byte mutations. */
export function mutatedPayload(r: Rand, i: number): Buffer {
  let body = validPayload(r, i);
  for (let n = 1 + int(r, 3); n > 0; n--) {
    try {
      body = r() < 0.6 ? mutateStructure(r, body) : mutateBytes(r, body);
    } catch {
      // Bytes already broken beyond JSON: keep breaking them.
      body = mutateBytes(r, body);
    }
  }
  return body;
}
