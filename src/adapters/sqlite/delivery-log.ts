import type { ErrorCode } from '../../core/errors.js';
import type { Provider } from '../../core/events.js';
import { START, type Checkpoint, type DeliveryLog, type EdgeCounters, type LogFilter, type LogPage, type StoredDelivery } from '../../ports/delivery-log.js';
import { DELIVERY_MIGRATIONS } from './delivery-migrations.js';
import { DELIVERIES_FILE } from './delivery-writer.js';
import { openDatabase, type Db } from './open.js';
import { keptHeaders } from './stored-headers.js';
import { where } from './where.js';

interface Row {
  id: number;
  tenant: string;
  provider: Provider;
  received_at: number;
  signature?: Buffer | null;
  headers?: string;
  body: Buffer;
}

/**
 * One writer commits deliveries.db, so ids become visible in id order and
 * a checkpoint is simply the last id taken.
 */
export function positionOf(checkpoint: Checkpoint): number {
  return checkpoint === START ? 0 : Number(checkpoint);
}

function toStored(r: Row, withHeaders: boolean): StoredDelivery {
  return {
    id: String(r.id),
    tenant: r.tenant,
    provider: r.provider,
    receivedAt: r.received_at,
    bytes: r.body.length,
    headers: withHeaders ? keptHeaders(r.signature ?? null, r.headers ?? '') : {},
    body: r.body,
  };
}

/** Reads deliveries.db through its own connection; WAL readers never block the edge's commits. */
export class SqliteDeliveryLog implements DeliveryLog {
  readonly db: Db;

  constructor(dataDir: string) {
    // Opening read-write (not readonly) creates and migrates the file if the edge has not yet,
    // so `wahook stats` on a fresh data dir answers zeros instead of failing.
    this.db = openDatabase(dataDir, DELIVERIES_FILE, DELIVERY_MIGRATIONS, { busyTimeoutMs: 5000 });
  }

  async read(from: Checkpoint, limit: number, f: LogFilter = {}): Promise<LogPage> {
    const upTo = f.upTo === undefined ? undefined : positionOf(f.upTo);
    const w = where([['id > ?', positionOf(from)], ['id <= ?', upTo], ['received_at >= ?', f.since], ['received_at < ?', f.until], ['tenant = ?', f.tenant]]);
    const columns = f.withHeaders ? 'id, tenant, provider, received_at, signature, headers, body' : 'id, tenant, provider, received_at, body';
    const rows = this.db.prepare(`SELECT ${columns} FROM deliveries${w.sql} ORDER BY id LIMIT ?`).all(...w.args, limit) as Row[];
    const deliveries = rows.map((r) => toStored(r, f.withHeaders === true));
    return { deliveries, next: rows.length === 0 ? from : String(rows[rows.length - 1]!.id) };
  }

  async latest(limit: number): Promise<StoredDelivery[]> {
    const rows = this.db.prepare('SELECT id, tenant, provider, received_at, signature, headers, body FROM deliveries ORDER BY id DESC LIMIT ?').all(limit) as Row[];
    return rows.map((r) => toStored(r, true));
  }

  async edgeCounters(): Promise<EdgeCounters> {
    const rows = this.db.prepare('SELECT name, value FROM counters').all() as { name: string; value: number }[];
    const c: Record<string, number> = Object.fromEntries(rows.map((r) => [r.name, r.value]));
    const rejected: Partial<Record<ErrorCode, number>> = {};
    // The writer keeps refusals as `rejected.<code>` rows beside its totals.
    for (const [k, v] of Object.entries(c)) if (k.startsWith('rejected.')) rejected[k.slice(9) as ErrorCode] = v;
    return { received: c.received ?? 0, stored: c.stored ?? 0, duplicates: c.duplicates ?? 0, rejected };
  }

  async backlog(from: Checkpoint): Promise<{ count: number; oldestReceivedAt: number } | null> {
    const after = positionOf(from);
    const first = this.db.prepare('SELECT received_at FROM deliveries WHERE id > ? ORDER BY id LIMIT 1').pluck().get(after) as number | undefined;
    if (first === undefined) return null;
    const count = this.db.prepare('SELECT count(*) FROM deliveries WHERE id > ?').pluck().get(after) as number;
    return { count, oldestReceivedAt: first };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
