import type pg from 'pg';
import type { WahookEvent } from '../../core/events.js';
import { routesFor } from '../../core/job-routing.js';
import { mergeStatus, type MessageStatusState } from '../../core/status.js';
import { START, type Checkpoint } from '../../ports/delivery-log.js';
import type { ContactUpdate, EventStore, IngestRequest, IngestResult, MessageStatusUpdate } from '../../ports/event-store.js';
import { bump } from './counters.js';
import { queueJobs } from './job-queue.js';
import type { Pg } from './pool.js';

type Client = pg.PoolClient;

/** The last of several upserts of one key in a batch, folded as the store would fold them one by one. */
function foldMessages(inserted: readonly WahookEvent[]): WahookEvent[] {
  const byId = new Map<string, WahookEvent & { contact?: string }>();
  for (const e of inserted) {
    if (e.kind !== 'message' || e.messageId === undefined) continue;
    const id = `${e.tenant}\u0000${e.messageId}`;
    const prev = byId.get(id);
    byId.set(id, { ...e, contact: e.contact ?? prev?.contact });
  }
  return [...byId.values()];
}

function foldContacts(contacts: readonly ContactUpdate[]): ContactUpdate[] {
  const byId = new Map<string, ContactUpdate>();
  for (const c of contacts) {
    const id = `${c.tenant}\u0000${c.contact}`;
    const p = byId.get(id);
    if (p === undefined) { byId.set(id, c); continue; }
    const newer = (c.lastInboundAt ?? 0) >= (p.lastInboundAt ?? 0);
    byId.set(id, {
      tenant: c.tenant, contact: c.contact,
      profileName: newer ? (c.profileName ?? p.profileName) : (p.profileName ?? c.profileName),
      lastInboundAt: Math.max(p.lastInboundAt ?? 0, c.lastInboundAt ?? 0) || null,
      windowOpenUntil: Math.max(p.windowOpenUntil ?? 0, c.windowOpenUntil ?? 0) || null,
    });
  }
  return [...byId.values()];
}

/** Events, message state, contacts and sessions in PostgreSQL, with jobs written through the queue's outbox in the same transaction. */
export class PostgresEventStore implements EventStore {
  constructor(private readonly pg: Pg) {}

  async ingest(req: IngestRequest): Promise<IngestResult> {
    return this.pg.tx(async (c) => {
      if (req.checkpoint) {
        // The row lock also serialises workers: the second one finds the checkpoint moved and writes nothing.
        const at = await c.query(`SELECT position FROM ${this.pg.t('checkpoint')} WHERE id = 1 FOR UPDATE`);
        if ((at.rows[0]?.position ?? START) !== req.checkpoint.from) return { inserted: 0, duplicates: 0, applied: false, byKind: {} };
      }
      const inserted = await this.insertEvents(c, req.events);
      const byKind: Record<string, number> = {};
      for (const { event } of inserted) byKind[event.kind] = (byKind[event.kind] ?? 0) + 1;
      await this.upsertMessages(c, foldMessages(inserted.map((i) => i.event)));
      await this.upsertSessions(c, inserted.map((i) => i.event).filter((e) => e.kind === 'session'));
      await this.upsertContacts(c, foldContacts(req.contacts));
      await this.applyStatuses(c, req.statuses);
      const duplicates = req.events.length - inserted.length;
      const counts = new Map<string, number>(Object.entries(byKind).map(([k, n]) => [`events.${k}`, n]));
      counts.set('duplicates', duplicates);
      await bump(c, this.pg, 'event_counters', counts);
      if (req.checkpoint) await c.query(`UPDATE ${this.pg.t('checkpoint')} SET position = $1 WHERE id = 1`, [req.checkpoint.to]);
      // Last, just before the commit: queueing locks the lanes, and while they are locked the job
      // runners skip them and their saves wait.
      if (req.targets.length > 0) {
        const jobs = inserted.flatMap(({ seq, event }) => routesFor(req.targets, event).map((r) => ({ seq, target: r.target, conversation: r.lane })));
        await queueJobs(c, this.pg, jobs, Date.now());
      }
      return { inserted: inserted.length, duplicates, applied: true, byKind };
    });
  }

  /**
   * One multi-row insert in log order; what conflicts on (tenant, key) is a duplicate. The events go as
   * one JSON array, the columns read from each: as an array of JSON texts, every quote in every event
   * would be escaped once more on the way.
   */
  private async insertEvents(c: Client, events: readonly WahookEvent[]): Promise<{ seq: number; event: WahookEvent }[]> {
    if (events.length === 0) return [];
    const r = await c.query(
      `INSERT INTO ${this.pg.t('events')} (tenant, key, kind, type, ts, delivery_id, json)
       SELECT e->>'tenant', e->>'key', e->>'kind', e->>'type', (e->>'timestamp')::bigint, e->>'deliveryId', e
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS u(e, n) ORDER BY n
       ON CONFLICT (tenant, key) DO NOTHING RETURNING seq, tenant, key`,
      [JSON.stringify(events)],
    );
    const seqs = new Map((r.rows as { seq: number; tenant: string; key: string }[]).map((row) => [`${row.tenant}\u0000${row.key}`, row.seq]));
    const out: { seq: number; event: WahookEvent }[] = [];
    for (const e of events) {
      const id = `${e.tenant}\u0000${e.key}`;
      const seq = seqs.get(id);
      if (seq === undefined) continue;
      seqs.delete(id);
      out.push({ seq, event: e });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  private async upsertMessages(c: Client, ms: readonly WahookEvent[]): Promise<void> {
    if (ms.length === 0) return;
    await c.query(
      `INSERT INTO ${this.pg.t('messages')} (tenant, message_id, provider, type, contact, ts)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
       ON CONFLICT (tenant, message_id) DO UPDATE SET type = excluded.type, contact = coalesce(excluded.contact, ${this.pg.t('messages')}.contact), ts = excluded.ts`,
      [ms.map((e) => e.tenant), ms.map((e) => e.messageId), ms.map((e) => e.provider), ms.map((e) => e.type), ms.map((e) => e.contact ?? null), ms.map((e) => e.timestamp)],
    );
  }

  private async upsertSessions(c: Client, sessions: readonly WahookEvent[]): Promise<void> {
    const latest = new Map<string, { tenant: string; id: string; status: string; at: number }>();
    for (const e of sessions) {
      const id = typeof e.sessionId === 'string' ? e.sessionId : '';
      const status = typeof e.status === 'string' ? e.status : e.type;
      const k = `${e.tenant}\u0000${id}`;
      const p = latest.get(k);
      if (p === undefined || e.timestamp >= p.at) latest.set(k, { tenant: e.tenant, id, status, at: e.timestamp });
    }
    if (latest.size === 0) return;
    const s = [...latest.values()];
    await c.query(
      `INSERT INTO ${this.pg.t('sessions')} (tenant, session_id, status, updated_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
       ON CONFLICT (tenant, session_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at WHERE excluded.updated_at >= ${this.pg.t('sessions')}.updated_at`,
      [s.map((x) => x.tenant), s.map((x) => x.id), s.map((x) => x.status), s.map((x) => x.at)],
    );
  }

  private async upsertContacts(c: Client, cs: readonly ContactUpdate[]): Promise<void> {
    if (cs.length === 0) return;
    const t = this.pg.t('contacts');
    await c.query(
      `INSERT INTO ${t} (tenant, contact, profile_name, last_inbound_at, window_open_until) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
       ON CONFLICT (tenant, contact) DO UPDATE SET
         profile_name = CASE WHEN coalesce(excluded.last_inbound_at, 0) >= coalesce(${t}.last_inbound_at, 0) THEN coalesce(excluded.profile_name, ${t}.profile_name) ELSE coalesce(${t}.profile_name, excluded.profile_name) END,
         last_inbound_at = greatest(${t}.last_inbound_at, excluded.last_inbound_at),
         window_open_until = greatest(${t}.window_open_until, excluded.window_open_until)`,
      [cs.map((x) => x.tenant), cs.map((x) => x.contact), cs.map((x) => x.profileName), cs.map((x) => x.lastInboundAt), cs.map((x) => x.windowOpenUntil)],
    );
  }

  /** History keeps every distinct status; the current one is folded with core's merge under the row's lock, in key order so workers never deadlock. */
  private async applyStatuses(c: Client, updates: readonly MessageStatusUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const sorted = [...updates].sort((a, b) => (a.tenant + '\u0000' + a.messageId < b.tenant + '\u0000' + b.messageId ? -1 : 1));
    const obs = sorted.flatMap((u) => u.observations.map((o) => ({ u, o })));
    await c.query(
      `INSERT INTO ${this.pg.t('status_history')} (tenant, message_id, status, recipient, ts, errors) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::jsonb[])
       ON CONFLICT DO NOTHING`,
      [obs.map((x) => x.u.tenant), obs.map((x) => x.u.messageId), obs.map((x) => x.o.status), obs.map((x) => x.o.recipient), obs.map((x) => x.o.timestamp), obs.map((x) => (x.o.errors === undefined ? null : JSON.stringify(x.o.errors)))],
    );
    const t = this.pg.t('messages');
    const current = await c.query(
      `SELECT m.tenant, m.message_id, m.status, m.failed FROM ${t} m JOIN unnest($1::text[], $2::text[]) AS u(tenant, message_id) USING (tenant, message_id)
       ORDER BY m.tenant, m.message_id FOR UPDATE OF m`,
      [sorted.map((u) => u.tenant), sorted.map((u) => u.messageId)],
    );
    const rows = new Map((current.rows as { tenant: string; message_id: string; status: string | null; failed: MessageStatusState['failed'] }[]).map((r) => [`${r.tenant}\u0000${r.message_id}`, r]));
    const states = sorted.map((u) => {
      const row = rows.get(`${u.tenant}\u0000${u.messageId}`);
      let s: MessageStatusState = { status: (row?.status ?? null) as MessageStatusState['status'], failed: row?.failed ?? null };
      for (const o of u.observations) s = mergeStatus(s, o);
      return s;
    });
    await c.query(
      `INSERT INTO ${t} (tenant, message_id, provider, status, failed, contact) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[])
       ON CONFLICT (tenant, message_id) DO UPDATE SET status = excluded.status, failed = excluded.failed, contact = coalesce(${t}.contact, excluded.contact)`,
      [sorted.map((u) => u.tenant), sorted.map((u) => u.messageId), sorted.map((u) => u.provider), states.map((s) => s.status), states.map((s) => (s.failed ? JSON.stringify(s.failed) : null)), sorted.map((u) => u.contact)],
    );
  }

  async checkpoint(): Promise<Checkpoint> {
    const r = await this.pg.pool.query(`SELECT position FROM ${this.pg.t('checkpoint')} WHERE id = 1`);
    return r.rows[0]?.position ?? START;
  }

  async close(): Promise<void> {
    await this.pg.release();
  }
}
