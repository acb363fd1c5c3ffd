import type { WahookEvent } from '../../core/events.js';
import { START } from '../../ports/delivery-log.js';
import type { ContactView, EventFilter, EventQuery, EventStats, MessageView } from '../../ports/event-query.js';
import { readCounters } from './counters.js';
import type { Pg } from './pool.js';

export class PostgresEventQuery implements EventQuery {
  constructor(private readonly pg: Pg) {}

  async events(f: EventFilter): Promise<WahookEvent[]> {
    const args: unknown[] = [];
    const where: string[] = [];
    for (const [sql, v] of [['kind = ?', f.kind], ['type = ?', f.type], ['ts >= ?', f.since], ['tenant = ?', f.tenant]] as const) {
      if (v === undefined) continue;
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    }
    args.push(f.limit ?? 1000);
    const r = await this.pg.pool.query(
      `SELECT json FROM ${this.pg.t('events')}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${f.newestFirst ? 'DESC' : 'ASC'} LIMIT $${args.length}`,
      args,
    );
    return (r.rows as { json: WahookEvent }[]).map((row) => row.json);
  }

  async messages(limit: number): Promise<MessageView[]> {
    const r = await this.pg.pool.query(
      `SELECT m.tenant, m.message_id, m.provider, m.type, m.contact, m.ts, m.status, m.failed,
         coalesce((SELECT json_agg(json_build_object('status', h.status, 'timestamp', h.ts, 'recipient', h.recipient, 'errors', h.errors) ORDER BY h.ts, h.status)
                   FROM ${this.pg.t('status_history')} h WHERE h.tenant = m.tenant AND h.message_id = m.message_id), '[]') AS history
       FROM ${this.pg.t('messages')} m ORDER BY m.ts DESC NULLS LAST LIMIT $1`,
      [limit],
    );
    type Row = { tenant: string; message_id: string; provider: string; type: string | null; contact: string | null; ts: number | null; status: string | null; failed: unknown; history: { status: string; timestamp: number; recipient: string; errors: unknown }[] };
    return (r.rows as Row[]).map((row) => ({
      tenant: row.tenant, messageId: row.message_id, provider: row.provider, type: row.type, contact: row.contact, timestamp: row.ts, status: row.status, failed: row.failed ?? null,
      statusHistory: row.history.map((h) => ({ status: h.status, timestamp: Number(h.timestamp), ...(h.recipient ? { recipient: h.recipient } : {}), ...(h.errors ? { errors: h.errors } : {}) })),
    }));
  }

  async contacts(limit: number, tenant?: string): Promise<ContactView[]> {
    const r = await this.pg.pool.query(
      `SELECT tenant, contact, profile_name, last_inbound_at, window_open_until FROM ${this.pg.t('contacts')}
       ${tenant === undefined ? '' : 'WHERE tenant = $2'} ORDER BY last_inbound_at DESC NULLS LAST LIMIT $1`,
      tenant === undefined ? [limit] : [limit, tenant],
    );
    return (r.rows as { tenant: string; contact: string; profile_name: string | null; last_inbound_at: number | null; window_open_until: number | null }[]).map((row) => ({
      tenant: row.tenant, contact: row.contact, profileName: row.profile_name, lastInboundAt: row.last_inbound_at, windowOpenUntil: row.window_open_until,
    }));
  }

  async stats(): Promise<EventStats> {
    const counters = await readCounters(this.pg, 'event_counters');
    const eventsByKind: Record<string, number> = {};
    let events = 0;
    for (const [k, v] of Object.entries(counters)) {
      if (k.startsWith('events.')) { eventsByKind[k.slice(7)] = v; events += v; }
    }
    const cp = await this.pg.pool.query(`SELECT position FROM ${this.pg.t('checkpoint')} WHERE id = 1`);
    return { eventsByKind, events, duplicates: counters.duplicates ?? 0, checkpoint: cp.rows[0]?.position ?? START };
  }

  async close(): Promise<void> {
    await this.pg.release();
  }
}
