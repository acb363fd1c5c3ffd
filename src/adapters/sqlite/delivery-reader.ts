import type { Provider } from '../../core/events.js';
import type { DeliveryQuery, DeliveryReader, StoredDelivery } from '../../ports/delivery-store.js';
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
  signature: Buffer | null;
  headers: string;
  body: Buffer;
}

/** Reads deliveries.db through its own connection; WAL readers never block the edge's commits. */
export class SqliteDeliveryReader implements DeliveryReader {
  readonly db: Db;

  constructor(dataDir: string) {
    // Opening read-write (not readonly) creates and migrates the file if the edge has not yet,
    // so `wahook stats` on a fresh data dir answers zeros instead of failing.
    this.db = openDatabase(dataDir, DELIVERIES_FILE, DELIVERY_MIGRATIONS, { busyTimeoutMs: 5000 });
  }

  async list(q: DeliveryQuery): Promise<StoredDelivery[]> {
    const w = where([['id > ?', q.afterId], ['received_at >= ?', q.since], ['received_at < ?', q.until], ['tenant = ?', q.tenant]]);
    const sql = `SELECT id, tenant, provider, received_at, signature, headers, body FROM deliveries${w.sql} ORDER BY id ${q.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...w.args, q.limit ?? 1000) as Row[];
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      provider: r.provider,
      receivedAt: r.received_at,
      bytes: r.body.length,
      headers: q.withoutHeaders ? {} : keptHeaders(r.signature, r.headers),
      body: r.body,
    }));
  }

  async counters(): Promise<Record<string, number>> {
    const rows = this.db.prepare('SELECT name, value FROM counters').all() as { name: string; value: number }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  async maxId(): Promise<number> {
    return (this.db.prepare('SELECT coalesce(max(id), 0) FROM deliveries').pluck().get() as number) ?? 0;
  }

  async oldestAfter(afterId: number): Promise<{ id: number; receivedAt: number; count: number } | null> {
    const first = this.db.prepare('SELECT id, received_at FROM deliveries WHERE id > ? ORDER BY id LIMIT 1').get(afterId) as
      | { id: number; received_at: number }
      | undefined;
    if (!first) return null;
    const count = this.db.prepare('SELECT count(*) FROM deliveries WHERE id > ?').pluck().get(afterId) as number;
    return { id: first.id, receivedAt: first.received_at, count };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
