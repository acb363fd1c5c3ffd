import type { ErrorCode } from '../../core/errors.js';
import type { Provider } from '../../core/events.js';
import { START, type Checkpoint, type DeliveryLog, type EdgeCounters, type LogFilter, type LogPage, type StoredDelivery } from '../../ports/delivery-log.js';
import { readCounters } from './counters.js';
import type { Pg } from './pool.js';

interface Row {
  id: number;
  tx: string;
  tenant: string;
  provider: Provider;
  received_at: number;
  headers?: Record<string, string>;
  body: Buffer;
}

/**
 * A checkpoint is `<transaction>:<id>` of the last delivery taken. Several
 * edge processes commit at once, so ids become visible out of order; a
 * reader takes only rows whose transaction is older than every transaction
 * still in flight (the snapshot's xmin), in (transaction, id) order. A row
 * that commits later has a transaction at or above that xmin, so it sorts
 * after every checkpoint already handed out: nothing is ever skipped.
 * The order is the column's, never the text the query hands out: as text,
 * transaction 10000 would sort before 9999.
 */
export function parseCheckpoint(cp: Checkpoint): [string, number] {
  if (cp === START) return ['0', 0];
  const i = cp.indexOf(':');
  return [cp.slice(0, i), Number(cp.slice(i + 1))];
}

function toStored(r: Row): StoredDelivery {
  return { id: String(r.id), tenant: r.tenant, provider: r.provider, receivedAt: r.received_at, bytes: r.body.length, headers: r.headers ?? {}, body: r.body };
}

export class PostgresDeliveryLog implements DeliveryLog {
  constructor(private readonly pg: Pg) {}

  async read(from: Checkpoint, limit: number, f: LogFilter = {}): Promise<LogPage> {
    const [tx, id] = parseCheckpoint(from);
    const args: unknown[] = [tx, id, limit];
    const where: string[] = [];
    const add = (sql: string, v: unknown): void => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.since !== undefined) add('received_at >= ?', f.since);
    if (f.until !== undefined) add('received_at < ?', f.until);
    if (f.tenant !== undefined) add('tenant = ?', f.tenant);
    if (f.upTo !== undefined) {
      const [utx, uid] = parseCheckpoint(f.upTo);
      args.push(utx, uid);
      where.push(`(tx, id) <= ($${args.length - 1}::xid8, $${args.length}::bigint)`);
    }
    const r = await this.pg.pool.query(
      `SELECT id, tx::text AS tx, tenant, provider, received_at, ${f.withHeaders ? 'headers, ' : ''}body FROM ${this.pg.t('deliveries')} d
       WHERE (tx, id) > ($1::xid8, $2::bigint) AND tx < pg_snapshot_xmin(pg_current_snapshot())${where.map((w) => ` AND ${w}`).join('')}
       ORDER BY d.tx, d.id LIMIT $3`,
      args,
    );
    const rows = r.rows as Row[];
    const last = rows[rows.length - 1];
    return { deliveries: rows.map(toStored), next: last === undefined ? from : `${last.tx}:${last.id}` };
  }

  async latest(limit: number): Promise<StoredDelivery[]> {
    const r = await this.pg.pool.query(`SELECT id, tx::text AS tx, tenant, provider, received_at, headers, body FROM ${this.pg.t('deliveries')} ORDER BY id DESC LIMIT $1`, [limit]);
    return (r.rows as Row[]).map(toStored);
  }

  async backlog(from: Checkpoint): Promise<{ count: number; oldestReceivedAt: number } | null> {
    const [tx, id] = parseCheckpoint(from);
    const r = await this.pg.pool.query(`SELECT count(*)::bigint AS n, min(received_at) AS oldest FROM ${this.pg.t('deliveries')} WHERE (tx, id) > ($1::xid8, $2::bigint)`, [tx, id]);
    const row = r.rows[0] as { n: number; oldest: number | null };
    return row.n === 0 ? null : { count: row.n, oldestReceivedAt: row.oldest! };
  }

  async edgeCounters(): Promise<EdgeCounters> {
    const c = await readCounters(this.pg, 'counters');
    const rejected: Partial<Record<ErrorCode, number>> = {};
    for (const [k, v] of Object.entries(c)) if (k.startsWith('rejected.')) rejected[k.slice(9) as ErrorCode] = v;
    return { received: c.received ?? 0, stored: c.stored ?? 0, duplicates: c.duplicates ?? 0, rejected };
  }

  async close(): Promise<void> {
    await this.pg.release();
  }
}
