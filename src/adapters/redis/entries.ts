import type { Provider } from '../../core/events.js';
import type { StoredDelivery } from '../../ports/delivery-log.js';

/** A stream entry as Redis returns it with binary values: its id, then field, value, field, value… (null once the entry was deleted). */
export type RawEntry = [Buffer, Buffer[] | null];

/** The delivery a stream entry holds (fields written by the append script). */
export function toDelivery(entry: RawEntry, withHeaders: boolean): StoredDelivery | null {
  const [id, values] = entry;
  if (values === null) return null;
  const f = new Map<string, Buffer>();
  for (let i = 0; i + 1 < values.length; i += 2) f.set(values[i]!.toString(), values[i + 1]!);
  const body = f.get('b') ?? Buffer.alloc(0);
  return {
    id: id.toString(),
    tenant: f.get('t')?.toString() ?? 'default',
    provider: (f.get('p')?.toString() ?? 'cloud_api') as Provider,
    receivedAt: Number(f.get('r')?.toString() ?? 0),
    bytes: body.length,
    headers: withHeaders ? (JSON.parse(f.get('h')?.toString() ?? '{}') as Record<string, string>) : {},
    body,
  };
}

/** Stream ids compare by their two numbers, not as text. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}
