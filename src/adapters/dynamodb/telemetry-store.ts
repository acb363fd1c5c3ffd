import type { MinuteRollup } from '../../ports/admin-data.js';
import type { TelemetryStore } from '../../ports/telemetry-store.js';
import { N, num, type Ddb, type Item } from './ddb.js';
import type { TableNames } from './tables.js';
import { S } from './ddb.js';

const DAY = 86_400_000;
const FIELDS = ['deliveries', 'events', 'bytesIn', 'duplicates', 'rejected', 'p50Ms', 'p99Ms', 'cpuMsPerDelivery', 'cpuMs', 'sampledMs', 'peakRps', 'logBytes'] as const;
const MAXED = new Set(['p50Ms', 'p99Ms', 'peakRps']);
const minuteKey = (minute: number) => ({ pk: S('MIN'), sk: N(minute) });

/**
 * Minute rollups, one item a minute. Two processes closing the same minute
 * are summed: the item is read and written back only if nobody wrote it
 * since (a version), else read again. Minutes past retention are deleted
 * as each minute is saved, and carry a TTL as well for a table nobody
 * writes to any more.
 */
export class DynamoTelemetryStore implements TelemetryStore {
  constructor(private readonly ddb: Ddb, private readonly t: TableNames) {}

  async save(r: MinuteRollup, retentionDays: number): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const row = await this.ddb.get(this.t.telemetry, minuteKey(r.minute));
      const version = num(row, 'ver');
      const merged: Record<string, number> = {};
      for (const f of FIELDS) {
        const mine = r[f];
        const stored = num(row, f);
        merged[f] = stored === undefined ? mine : f === 'cpuMsPerDelivery' ? mine : MAXED.has(f) ? Math.max(stored, mine) : stored + mine;
      }
      const item: Item = { ...minuteKey(r.minute), ver: N((version ?? 0) + 1), expiresAt: N(Math.ceil((r.minute + retentionDays * DAY) / 1000)) };
      for (const [f, v] of Object.entries(merged)) item[f] = N(v);
      try {
        await this.ddb.send((m) => new m.PutItemCommand({
          TableName: this.t.telemetry, Item: item,
          ...(version === undefined ? { ConditionExpression: 'attribute_not_exists(pk)' } : { ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'ver' }, ExpressionAttributeValues: { ':v': N(version) } }),
        }));
        break;
      } catch (e) {
        if ((e as { name?: string }).name !== 'ConditionalCheckFailedException' || attempt === 19) throw e;
      }
    }
    const old = await this.ddb.query({ TableName: this.t.telemetry, KeyConditionExpression: 'pk = :m AND sk < :cut', ExpressionAttributeValues: { ':m': S('MIN'), ':cut': N(r.minute - retentionDays * DAY) } });
    for (const o of old) await this.ddb.delete(this.t.telemetry, { pk: o.pk!, sk: o.sk! });
  }

  async since(sinceMs: number): Promise<MinuteRollup[]> {
    const rows = await this.ddb.query({ TableName: this.t.telemetry, KeyConditionExpression: 'pk = :m AND sk >= :since', ExpressionAttributeValues: { ':m': S('MIN'), ':since': N(sinceMs) }, ConsistentRead: true });
    return rows.map((row) => {
      const out: Record<string, number> = { minute: num(row, 'sk')! };
      for (const f of FIELDS) out[f] = num(row, f) ?? 0;
      return out as unknown as MinuteRollup;
    });
  }

  async close(): Promise<void> {}
}
