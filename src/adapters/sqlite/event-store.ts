import type { WahookEvent } from '../../core/events.js';
import { mergeStatus, type MessageStatusState } from '../../core/status.js';
import type { EventStore, IngestRequest, IngestResult, Job, JobQueue } from '../../ports/event-store.js';
import { EVENT_MIGRATIONS } from './event-migrations.js';
import { openDatabase, type Db } from './open.js';

export const EVENTS_FILE = 'events.db';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Conversations are ordered per contact; events without one get their own lane. */
export function conversationOf(e: WahookEvent): string {
  return `${e.tenant}:${e.contact ?? e.messageId ?? e.key}`;
}

/**
 * events.db is written only by the worker (and replay), never by the edge,
 * so draining a backlog never holds the lock the edge commits under.
 */
export class SqliteEventStore implements EventStore, JobQueue {
  readonly db: Db;
  private readonly st;
  /** Message states touched by the current transaction, written back when it commits. */
  private readonly states = new Map<string, { tenant: string; messageId: string; provider: string; contact: string | null; state: MessageStatusState }>();
  private readonly ingestTx;

  constructor(dataDir: string, busyTimeoutMs = 5000) {
    // Events are derived from durable deliveries and the cursor commits with them, so losing the last
    // commits to a power cut only means processing those deliveries again: no fsync per batch needed.
    this.db = openDatabase(dataDir, EVENTS_FILE, EVENT_MIGRATIONS, { busyTimeoutMs, synchronous: 'NORMAL' });
    const p = (sql: string) => this.db.prepare(sql);
    this.st = {
      cursor: p('SELECT delivery_id FROM cursor WHERE id = 1').pluck(),
      setCursor: p('UPDATE cursor SET delivery_id = ? WHERE id = 1'),
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
      job: p('INSERT OR IGNORE INTO jobs (seq, target, conversation, run_at, updated_at) VALUES (?, ?, ?, ?, ?)'),
      lane: p('INSERT OR IGNORE INTO lanes (conversation, target, head_seq, run_at) VALUES (?, ?, ?, ?)'),
      nextInLane: p('SELECT seq, run_at FROM jobs WHERE conversation = ? AND target = ? AND state = 0 ORDER BY seq LIMIT 1'),
      setLane: p('UPDATE lanes SET head_seq = ?, run_at = ? WHERE conversation = ? AND target = ?'),
      dropLane: p('DELETE FROM lanes WHERE conversation = ? AND target = ?'),
      bump: p('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value'),
      claim: p(`SELECT j.seq, j.target, j.conversation, j.attempts, e.json FROM lanes l
        JOIN jobs j ON j.seq = l.head_seq AND j.target = l.target JOIN events e ON e.seq = j.seq
        WHERE l.run_at <= ? ORDER BY l.run_at LIMIT ?`),
      complete: p('DELETE FROM jobs WHERE seq = ? AND target = ?'),
      retry: p('UPDATE jobs SET attempts = attempts + 1, run_at = ?, last_error = ?, updated_at = ? WHERE seq = ? AND target = ?'),
      dead: p('UPDATE jobs SET attempts = attempts + 1, state = 2, last_error = ?, updated_at = ? WHERE seq = ? AND target = ?'),
    };
    this.ingestTx = this.db.transaction((req: IngestRequest): IngestResult => {
      if (req.cursor && (this.st.cursor.get() as number) !== req.cursor.from) return { inserted: 0, duplicates: 0, applied: false, byKind: {} };
      const byKind = new Map<string, number>();
      this.states.clear();
      let inserted = 0;
      let duplicates = 0;
      for (const d of req.deliveries) {
        for (const e of d.events) {
          if (this.insertEvent(e, req.targets)) {
            inserted++;
            byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
          } else duplicates++;
        }
        for (const c of d.contacts) {
          const until = c.lastInboundAt === undefined ? null : c.lastInboundAt + DAY_MS;
          this.st.contact.run(d.ref.tenant, c.contact, c.profileName ?? null, c.lastInboundAt ?? null, until);
        }
      }
      for (const m of this.states.values()) {
        this.st.setState.run(m.tenant, m.messageId, m.provider, m.state.status, m.state.failed ? JSON.stringify(m.state.failed) : null, m.contact);
      }
      this.states.clear();
      for (const [kind, n] of byKind) this.st.bump.run(`events.${kind}`, n);
      if (duplicates > 0) this.st.bump.run('duplicates', duplicates);
      if (req.cursor) this.st.setCursor.run(req.cursor.to);
      return { inserted, duplicates, applied: true, byKind: Object.fromEntries(byKind) };
    });
  }

  private insertEvent(e: WahookEvent, targets: readonly string[]): boolean {
    const r = this.st.event.run(e.tenant, e.key, e.kind, e.type, e.timestamp, e.deliveryId, JSON.stringify(e));
    if (r.changes === 0) return false;
    const seq = Number(r.lastInsertRowid);
    if (e.kind === 'message' && e.messageId !== undefined) {
      this.st.message.run(e.tenant, e.messageId, e.provider, e.type, e.contact ?? null, e.timestamp);
    } else if (e.kind === 'status' && e.messageId !== undefined) {
      this.applyStatus(e);
    } else if (e.kind === 'session') {
      const sessionId = typeof e.sessionId === 'string' ? e.sessionId : '';
      const status = typeof e.status === 'string' ? e.status : e.type;
      this.st.session.run(e.tenant, sessionId, status, e.timestamp);
    }
    const conversation = conversationOf(e);
    // Ready from now: lanes are claimed by run_at, so new work queues behind retries already due.
    const now = Date.now();
    for (const target of targets) {
      this.st.job.run(seq, target, conversation, now, now);
      this.st.lane.run(conversation, target, seq, now);
    }
    return true;
  }

  /**
   * History keeps every distinct status; the current one is a merge that no
   * arrival order can change. A message's sent/delivered/read usually land in
   * the same batch, so its state is read once, merged in memory and written
   * once when the transaction ends.
   */
  private applyStatus(e: WahookEvent): void {
    const status = typeof e.status === 'string' ? e.status : e.type;
    const recipient = typeof e.recipientParticipantId === 'string' ? e.recipientParticipantId : '';
    const errors = e.errors === undefined ? null : JSON.stringify(e.errors);
    this.st.history.run(e.tenant, e.messageId, status, recipient, e.timestamp, errors);
    const id = `${e.tenant}\u0000${e.messageId}`;
    let cached = this.states.get(id);
    if (cached === undefined) {
      const row = this.st.messageState.get(e.tenant, e.messageId) as { status: string | null; failed: string | null } | undefined;
      cached = {
        tenant: e.tenant, messageId: e.messageId!, provider: e.provider, contact: e.contact ?? null,
        state: { status: (row?.status ?? null) as MessageStatusState['status'], failed: row?.failed ? (JSON.parse(row.failed) as MessageStatusState['failed']) : null },
      };
      this.states.set(id, cached);
    }
    cached.state = mergeStatus(cached.state, { status, timestamp: e.timestamp, errors: e.errors });
  }

  async ingest(req: IngestRequest): Promise<IngestResult> {
    return this.ingestTx.immediate(req);
  }

  async cursor(): Promise<number> {
    return this.st.cursor.get() as number;
  }

  async claim(now: number, limit: number, busy: ReadonlySet<string>): Promise<Job[]> {
    const rows = this.st.claim.all(now, limit + busy.size) as { seq: number; target: string; conversation: string; attempts: number; json: string }[];
    return rows
      .filter((r) => !busy.has(`${r.target}|${r.conversation}`))
      .slice(0, limit)
      .map((r) => ({ seq: r.seq, target: r.target, conversation: r.conversation, attempts: r.attempts, event: JSON.parse(r.json) as WahookEvent }));
  }

  async complete(job: Job): Promise<void> {
    this.finishTx(job, () => this.st.complete.run(job.seq, job.target));
  }

  async fail(job: Job, error: string, retryAt: number | null, now: number): Promise<void> {
    const message = error.slice(0, 4000);
    if (retryAt === null) {
      this.finishTx(job, () => this.st.dead.run(message, now, job.seq, job.target));
    } else {
      this.db.transaction(() => {
        this.st.retry.run(retryAt, message, now, job.seq, job.target);
        this.st.setLane.run(job.seq, retryAt, job.conversation, job.target);
      }).immediate();
    }
  }

  /** Removes the head job from its lane and moves the lane to the next pending job, in one commit. */
  private finishTx(job: Job, change: () => void): void {
    this.db.transaction(() => {
      change();
      this.advanceLane(job.conversation, job.target);
    }).immediate();
  }

  advanceLane(conversation: string, target: string): void {
    const next = this.st.nextInLane.get(conversation, target) as { seq: number; run_at: number } | undefined;
    if (next) {
      this.st.lane.run(conversation, target, next.seq, next.run_at);
      this.st.setLane.run(next.seq, next.run_at, conversation, target);
    } else this.st.dropLane.run(conversation, target);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
