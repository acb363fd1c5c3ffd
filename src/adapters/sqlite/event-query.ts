import type { WahookEvent } from '../../core/events.js';
import { START } from '../../ports/delivery-log.js';
import type { ContactView, EventFilter, EventQuery, EventStats, MessageView } from '../../ports/event-query.js';
import type { Db } from './open.js';
import { where } from './where.js';

/** Reads of events.db for the CLI and dashboard; safe beside a running worker (WAL). */
export class SqliteEventQuery implements EventQuery {
  constructor(private readonly db: Db, private readonly ownsDb = false) {}

  async events(f: EventFilter): Promise<WahookEvent[]> {
    const w = where([['kind = ?', f.kind], ['type = ?', f.type], ['ts >= ?', f.since], ['tenant = ?', f.tenant]]);
    const sql = `SELECT json FROM events${w.sql} ORDER BY seq ${f.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`;
    return (this.db.prepare(sql).pluck().all(...w.args, f.limit ?? 1000) as string[]).map((j) => JSON.parse(j) as WahookEvent);
  }

  async messages(limit: number): Promise<MessageView[]> {
    const rows = this.db.prepare('SELECT tenant, message_id, provider, type, contact, ts, status, failed FROM messages ORDER BY ts DESC LIMIT ?').all(limit) as {
      tenant: string; message_id: string; provider: string; type: string | null; contact: string | null; ts: number | null; status: string | null; failed: string | null;
    }[];
    const history = this.db.prepare('SELECT status, ts, recipient, errors FROM status_history WHERE tenant = ? AND message_id = ? ORDER BY ts, status');
    return rows.map((r) => ({
      tenant: r.tenant,
      messageId: r.message_id,
      provider: r.provider,
      type: r.type,
      contact: r.contact,
      timestamp: r.ts,
      status: r.status,
      failed: r.failed ? JSON.parse(r.failed) : null,
      statusHistory: (history.all(r.tenant, r.message_id) as { status: string; ts: number; recipient: string; errors: string | null }[]).map((h) => ({
        status: h.status,
        timestamp: h.ts,
        ...(h.recipient ? { recipient: h.recipient } : {}),
        ...(h.errors ? { errors: JSON.parse(h.errors) } : {}),
      })),
    }));
  }

  async contacts(limit: number, tenant?: string): Promise<ContactView[]> {
    const w = where([['tenant = ?', tenant]]);
    const rows = this.db.prepare(`SELECT tenant, contact, profile_name, last_inbound_at, window_open_until FROM contacts${w.sql} ORDER BY last_inbound_at DESC LIMIT ?`).all(...w.args, limit) as {
      tenant: string; contact: string; profile_name: string | null; last_inbound_at: number | null; window_open_until: number | null;
    }[];
    return rows.map((r) => ({ tenant: r.tenant, contact: r.contact, profileName: r.profile_name, lastInboundAt: r.last_inbound_at, windowOpenUntil: r.window_open_until }));
  }

  async stats(): Promise<EventStats> {
    const counters = Object.fromEntries(
      (this.db.prepare('SELECT name, value FROM counters').all() as { name: string; value: number }[]).map((r) => [r.name, r.value]),
    );
    const eventsByKind: Record<string, number> = {};
    let events = 0;
    for (const [k, v] of Object.entries(counters)) {
      if (k.startsWith('events.')) { eventsByKind[k.slice(7)] = v; events += v; }
    }
    const checkpoint = (this.db.prepare('SELECT position FROM checkpoint WHERE id = 1').pluck().get() as string | undefined) ?? START;
    return { eventsByKind, events, duplicates: counters.duplicates ?? 0, checkpoint };
  }

  async close(): Promise<void> {
    if (this.ownsDb) this.db.close();
  }
}
