import { seededRandom } from '../core/seeded-random.js';
import { inboundMessage, INBOUND_TYPES, statusItem } from './message-types.js';
import { metaJson } from './payloads.js';

/**
 * A campaign's worth of WhatsApp traffic: inbound messages of every type,
 * three statuses for each outbound message (some arriving out of order),
 * batched deliveries, and deliberate exact re-sends (right away, or a little
 * later as a re-delivery by Meta would come). Re-sends of failed requests are
 * the driver's (drive.ts), not planned here. Deterministic for a seed, so a run can be repeated.
 */

export interface TrafficOptions {
  /** Requests to send, re-sends included. */
  readonly count: number;
  /** Share of deliveries sent twice, 0..1: half at once (duplicates), half later (retries). */
  readonly duplicateRate: number;
  /** Marks this run's message ids, so its events can be told apart in a shared store. */
  readonly tag: string;
  readonly nowSec: number;
  readonly seed?: number;
}

export interface PlannedDelivery {
  readonly body: Buffer;
  /** What the delivery should become: `message:<id>` and `status:<id>:<status>`. */
  readonly expects: readonly string[];
}

export interface Traffic {
  readonly deliveries: readonly PlannedDelivery[];
  /** For each request in send order, the index of the delivery it carries. */
  readonly sends: Uint32Array;
  readonly duplicates: number;
  readonly retries: number;
  /** Outbound message ids whose statuses were sent out of order. */
  readonly outOfOrder: readonly string[];
}

const STATUS_ORDER = ['sent', 'delivered', 'read'] as const;
const SHUFFLES: readonly (readonly number[])[] = [[1, 0, 2], [2, 1, 0], [0, 2, 1]];
/** Outbound messages whose statuses interleave, as a campaign's do. */
const OUTBOUND_AT_ONCE = 4;

interface Item { readonly kind: 'message' | 'status'; readonly item: Record<string, unknown>; readonly identity: string; readonly from?: string }

class Mix {
  private seq = 0;
  private readonly statuses: Item[] = [];
  private lastOutbound = '';
  readonly outOfOrder: string[] = [];

  constructor(private readonly o: TrafficOptions, private readonly rng: () => number) {}

  private id(): string {
    return `wamid.HBgL${this.o.tag}_${(this.seq++).toString(36)}`;
  }

  inbound(): Item {
    const n = this.seq;
    const id = this.id();
    const from = `1650555${String(1000 + (n % 500)).padStart(4, '0')}`;
    const c = { id, from, ts: this.o.nowSec, earlier: this.lastOutbound || id, n };
    return { kind: 'message', item: inboundMessage(Math.floor(this.rng() * INBOUND_TYPES.length), c), identity: `message:${id}`, from };
  }

  status(): Item {
    if (this.statuses.length === 0) this.queueOutbound();
    return this.statuses.shift()!;
  }

  private queueOutbound(): void {
    const rounds: Item[][] = [[], [], []];
    for (let m = 0; m < OUTBOUND_AT_ONCE; m++) {
      const id = this.id();
      const recipient = `1650555${String(2000 + (this.seq % 500)).padStart(4, '0')}`;
      const shuffled = this.rng() < 0.15;
      const order = shuffled ? SHUFFLES[Math.floor(this.rng() * SHUFFLES.length)]! : [0, 1, 2];
      if (shuffled) this.outOfOrder.push(id);
      // Timestamps follow the real order, whatever order the statuses arrive in.
      order.forEach((s, slot) => {
        const status = STATUS_ORDER[s]!;
        rounds[slot]!.push({ kind: 'status', item: statusItem(id, status, this.o.nowSec + s * 3, recipient), identity: `status:${id}:${status}` });
      });
      this.lastOutbound = id;
    }
    this.statuses.push(...rounds.flat());
  }
}

function envelope(items: readonly Item[]): PlannedDelivery {
  const messages = items.filter((i) => i.kind === 'message');
  const statuses = items.filter((i) => i.kind === 'status');
  const value: Record<string, unknown> = { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' } };
  if (messages.length > 0) {
    value.contacts = messages.map((m) => ({ profile: { name: 'Sheena Nelson' }, wa_id: m.from }));
    value.messages = messages.map((m) => m.item);
  }
  if (statuses.length > 0) value.statuses = statuses.map((s) => s.item);
  const body = metaJson({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ value, field: 'messages' }] }] });
  return { body, expects: items.map((i) => i.identity) };
}

/**
 * @example
 * const t = buildTraffic({ count: 1000, duplicateRate: 0.05, tag: 'r1', nowSec: 1790000000 });
 * t.sends.length // 1000; t.deliveries[t.sends[0]].body is the first request's body
 */
export function buildTraffic(o: TrafficOptions): Traffic {
  const rng = seededRandom(o.seed ?? 1);
  const mix = new Mix(o, rng);
  const deliveries: PlannedDelivery[] = [];
  const sends: number[] = [];
  const retryAt = new Map<number, number[]>();
  let duplicates = 0;
  let retries = 0;
  while (sends.length < o.count) {
    const due = retryAt.get(sends.length);
    if (due !== undefined) {
      retryAt.delete(sends.length);
      sends.push(due[0]!);
      retries++;
      // Two retries due at once go one after the other.
      if (due.length > 1) retryAt.set(sends.length, [...due.slice(1), ...(retryAt.get(sends.length) ?? [])]);
      continue;
    }
    const r = rng();
    const items = r < 0.2 ? Array.from({ length: 2 + Math.floor(rng() * 3) }, () => (rng() < 0.5 ? mix.inbound() : mix.status())) : r < 0.6 ? [mix.inbound()] : [mix.status()];
    const index = deliveries.push(envelope(items)) - 1;
    sends.push(index);
    if (rng() >= o.duplicateRate) continue;
    if (rng() < 0.5) {
      if (sends.length < o.count) {
        sends.push(index);
        duplicates++;
      }
    } else {
      // Meta retries a delivery it got no timely 200 for, seconds later; here some requests later.
      const at = sends.length + 10 + Math.floor(rng() * 90);
      retryAt.set(at, [...(retryAt.get(at) ?? []), index]);
    }
  }
  return { deliveries, sends: Uint32Array.from(sends), duplicates, retries, outOfOrder: mix.outOfOrder };
}
