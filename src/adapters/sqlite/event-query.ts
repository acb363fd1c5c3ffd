import type { WahookEvent } from '../../core/events.js';
import type { DeadLetter, EventFilter, EventQuery, MessageView, PipelineStats } from '../../ports/event-store.js';
import type { Db } from './open.js';
import { where } from './where.js';

/** Reads of events.db for the CLI and dashboard; safe beside a running worker (WAL). */
export class SqliteEventQuery implements EventQuery {
  constructor(private readonly db: Db) {}

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

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const rows = this.db
      .prepare('SELECT j.seq, j.target, j.attempts, j.last_error, j.updated_at, e.key, e.json FROM jobs j JOIN events e ON e.seq = j.seq WHERE j.state = 2 ORDER BY j.seq LIMIT ?')
      .all(limit) as { seq: number; target: string; attempts: number; last_error: string; updated_at: number; key: string; json: string }[];
    return rows.map((r) => ({ seq: r.seq, target: r.target, key: r.key, attempts: r.attempts, lastError: r.last_error, updatedAt: r.updated_at, event: JSON.parse(r.json) as WahookEvent }));
  }

  /** Revived jobs rejoin their lane; the lane head becomes the oldest pending job again, so order holds. */
  async retryDeadLetters(seqs: readonly number[], now: number): Promise<number> {
    const filter = seqs.length ? ` AND seq IN (${seqs.map(() => '?').join(',')})` : '';
    return this.db.transaction(() => {
      const lanes = this.db.prepare(`SELECT DISTINCT conversation, target FROM jobs WHERE state = 2${filter}`).all(...seqs) as { conversation: string; target: string }[];
      const changed = this.db.prepare(`UPDATE jobs SET state = 0, attempts = 0, run_at = ?, updated_at = ? WHERE state = 2${filter}`).run(now, now, ...seqs).changes;
      const next = this.db.prepare('SELECT seq, run_at FROM jobs WHERE conversation = ? AND target = ? AND state = 0 ORDER BY seq LIMIT 1');
      const upsert = this.db.prepare(`INSERT INTO lanes (conversation, target, head_seq, run_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (conversation, target) DO UPDATE SET head_seq = excluded.head_seq, run_at = excluded.run_at`);
      for (const l of lanes) {
        const head = next.get(l.conversation, l.target) as { seq: number; run_at: number };
        upsert.run(l.conversation, l.target, head.seq, head.run_at);
      }
      return changed;
    }).immediate();
  }

  async purgeDeadLetters(seqs: readonly number[]): Promise<number> {
    const sql = `DELETE FROM jobs WHERE state = 2${seqs.length ? ` AND seq IN (${seqs.map(() => '?').join(',')})` : ''}`;
    return this.db.prepare(sql).run(...seqs).changes;
  }

  async stats(): Promise<PipelineStats> {
    const counters = Object.fromEntries(
      (this.db.prepare('SELECT name, value FROM counters').all() as { name: string; value: number }[]).map((r) => [r.name, r.value]),
    );
    const eventsByKind: Record<string, number> = {};
    let events = 0;
    for (const [k, v] of Object.entries(counters)) {
      if (k.startsWith('events.')) { eventsByKind[k.slice(7)] = v; events += v; }
    }
    const jobs = this.db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all() as { state: number; n: number }[];
    return {
      eventsByKind,
      events,
      duplicates: counters.duplicates ?? 0,
      cursor: this.db.prepare('SELECT delivery_id FROM cursor WHERE id = 1').pluck().get() as number,
      jobsPending: jobs.find((j) => j.state === 0)?.n ?? 0,
      deadLetters: jobs.find((j) => j.state === 2)?.n ?? 0,
    };
  }
}
