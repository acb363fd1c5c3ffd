import type { WahookEvent } from '../../core/events.js';
import { routesFor } from '../../core/job-routing.js';
import { mergeStatus, type MessageStatusState } from '../../core/status.js';
import { START, type Checkpoint } from '../../ports/delivery-log.js';
import type { EventStore, IngestRequest, IngestResult, MessageStatusUpdate } from '../../ports/event-store.js';
import { outbox } from './job-queue.js';
import type { Db } from './open.js';

/** Events, message state, contacts and sessions in events.db, with jobs written through the queue's outbox. */
export class SqliteEventStore implements EventStore {
  private readonly st;
  private readonly queue;
  private readonly ingestTx;

  constructor(private readonly db: Db, private readonly ownsDb = false) {
    const p = (sql: string) => db.prepare(sql);
    this.queue = outbox(db);
    this.st = {
      checkpoint: p('SELECT position FROM checkpoint WHERE id = 1').pluck(),
      setCheckpoint: p('UPDATE checkpoint SET position = ? WHERE id = 1'),
      event: p('INSERT OR IGNORE INTO events (tenant, key, kind, type, ts, delivery_id, json) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      message: p(`INSERT INTO messages (tenant, message_id, provider, type, contact, ts) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, message_id) DO UPDATE SET type = excluded.type, contact = coalesce(excluded.contact, contact), ts = excluded.ts`),
      history: p('INSERT OR IGNORE INTO status_history (tenant, message_id, status, recipient, ts, errors) VALUES (?, ?, ?, ?, ?, ?)'),
      messageState: p('SELECT status, failed FROM messages WHERE tenant = ? AND message_id = ?'),
      setState: p(`INSERT INTO messages (tenant, message_id, provider, status, failed, contact) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, message_id) DO UPDATE SET status = excluded.status, failed = excluded.failed, contact = coalesce(contact, excluded.contact)`),
      contact: p(`INSERT INTO contacts (tenant, contact, profile_name, last_inbound_at, window_open_until) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (tenant, contact) DO UPDATE SET
          profile_name = CASE WHEN excluded.last_inbound_at >= coalesce(last_inbound_at, 0) THEN coalesce(excluded.profile_name, profile_name) ELSE coalesce(profile_name, excluded.profile_name) END,
          last_inbound_at = max(coalesce(last_inbound_at, 0), coalesce(excluded.last_inbound_at, 0)),
          window_open_until = max(coalesce(window_open_until, 0), coalesce(excluded.window_open_until, 0))`),
      session: p(`INSERT INTO sessions (tenant, session_id, status, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (tenant, session_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at WHERE excluded.updated_at >= updated_at`),
      bump: p('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value'),
    };
    this.ingestTx = db.transaction((req: IngestRequest): IngestResult => {
      if (req.checkpoint && this.readCheckpoint() !== req.checkpoint.from) return { inserted: 0, duplicates: 0, applied: false, byKind: {} };
      const byKind = new Map<string, number>();
      let inserted = 0;
      const now = Date.now();
      for (const e of req.events) {
        if (!this.insertEvent(e, req, now)) continue;
        inserted++;
        byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
      }
      for (const c of req.contacts) this.st.contact.run(c.tenant, c.contact, c.profileName, c.lastInboundAt, c.windowOpenUntil);
      for (const s of req.statuses) this.applyStatuses(s);
      const duplicates = req.events.length - inserted;
      for (const [kind, n] of byKind) this.st.bump.run(`events.${kind}`, n);
      if (duplicates > 0) this.st.bump.run('duplicates', duplicates);
      if (req.checkpoint) this.st.setCheckpoint.run(req.checkpoint.to);
      return { inserted, duplicates, applied: true, byKind: Object.fromEntries(byKind) };
    });
  }

  private readCheckpoint(): Checkpoint {
    return (this.st.checkpoint.get() as string | undefined) ?? START;
  }

  private insertEvent(e: WahookEvent, req: IngestRequest, now: number): boolean {
    const r = this.st.event.run(e.tenant, e.key, e.kind, e.type, e.timestamp, e.deliveryId, JSON.stringify(e));
    if (r.changes === 0) return false;
    if (e.kind === 'message' && e.messageId !== undefined) {
      this.st.message.run(e.tenant, e.messageId, e.provider, e.type, e.contact ?? null, e.timestamp);
    } else if (e.kind === 'session') {
      const sessionId = typeof e.sessionId === 'string' ? e.sessionId : '';
      const status = typeof e.status === 'string' ? e.status : e.type;
      this.st.session.run(e.tenant, sessionId, status, e.timestamp);
    }
    if (req.targets.length > 0) {
      const seq = Number(r.lastInsertRowid);
      for (const { target, lane } of routesFor(req.targets, e)) this.queue(seq, target, lane, now);
    }
    return true;
  }

  /** History keeps every distinct status; the current one is a merge that no arrival order can change. */
  private applyStatuses(s: MessageStatusUpdate): void {
    for (const o of s.observations) {
      this.st.history.run(s.tenant, s.messageId, o.status, o.recipient, o.timestamp, o.errors === undefined ? null : JSON.stringify(o.errors));
    }
    const row = this.st.messageState.get(s.tenant, s.messageId) as { status: string | null; failed: string | null } | undefined;
    let state: MessageStatusState = {
      status: (row?.status ?? null) as MessageStatusState['status'],
      failed: row?.failed ? (JSON.parse(row.failed) as MessageStatusState['failed']) : null,
    };
    for (const o of s.observations) state = mergeStatus(state, o);
    this.st.setState.run(s.tenant, s.messageId, s.provider, state.status, state.failed ? JSON.stringify(state.failed) : null, s.contact);
  }

  async ingest(req: IngestRequest): Promise<IngestResult> {
    return this.ingestTx.immediate(req);
  }

  async checkpoint(): Promise<Checkpoint> {
    return this.readCheckpoint();
  }

  async close(): Promise<void> {
    if (this.ownsDb) this.db.close();
  }
}
