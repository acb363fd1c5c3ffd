import { createHash } from 'node:crypto';
import type { NewDelivery } from '../../core/delivery.js';
import type { StoredDelivery } from '../../ports/delivery-log.js';
import { N, num, S, str, type Item } from './ddb.js';

/**
 * The deliveries table (`pk` string, `sk` number):
 * - `L`, seq: the log, one item per sequence number: a delivery (`k` = `d`),
 *   or a number that holds none (`dup` for a re-delivery found after its
 *   number was taken, `gap` for a number its writer never used);
 * - `D#tenant#provider#sha256`, 0: the first delivery of those bytes, by its number;
 * - `N`, 0: the last number handed out;
 * - `C`, 0: the edge's counters.
 * Log and digest items carry `expiresAt` (epoch seconds), the table's TTL.
 */
export const LOG = S('L');
export const SEQ_KEY = { pk: S('N'), sk: N(0) };
export const COUNTERS_KEY = { pk: S('C'), sk: N(0) };
export const logKey = (seq: number): Item => ({ pk: LOG, sk: N(seq) });

export function digestKey(d: NewDelivery): Item {
  const sha = createHash('sha256').update(d.body).digest('hex');
  return { pk: S(`D#${d.tenant}#${d.provider}#${sha}`), sk: N(0) };
}

export const expiresAt = (receivedAt: number, retentionDays: number): number => Math.floor(receivedAt / 1000) + retentionDays * 86_400;

export function logItem(seq: number, d: NewDelivery, retentionDays: number): Item {
  return {
    ...logKey(seq), k: S('d'), tenant: S(d.tenant), provider: S(d.provider), receivedAt: N(d.receivedAt),
    headers: S(JSON.stringify(d.headers)), body: { B: d.body }, bytes: N(d.body.byteLength), ...(retentionDays > 0 ? { expiresAt: N(expiresAt(d.receivedAt, retentionDays)) } : {}),
  };
}

export function storedOf(item: Item, withHeaders: boolean): StoredDelivery {
  const body = item.body?.B ?? new Uint8Array();
  return {
    id: String(num(item, 'sk')),
    tenant: str(item, 'tenant')!,
    provider: str(item, 'provider') as StoredDelivery['provider'],
    receivedAt: num(item, 'receivedAt')!,
    bytes: num(item, 'bytes')!,
    headers: withHeaders ? (JSON.parse(str(item, 'headers') ?? '{}') as Record<string, string>) : {},
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
  };
}
