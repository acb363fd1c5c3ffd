import type { WahookEvent } from '../../core/events.js';
import { laneOf, type JobTargetSpec } from '../../core/job-routing.js';
import type { ClaimScope, DeadLetter, Job, JobCounts, JobQueue } from '../../ports/job-queue.js';
import type { Db } from './open.js';

type Statement = ReturnType<Db['prepare']>;

const PENDING = 0;
const DEAD = 2;

/**
 * Queues a job in the caller's transaction: the event store's ingest writes
 * jobs through this outbox so an event and its jobs commit together.
 */
export function outbox(db: Db): (seq: number, target: string, conversation: string, now: number) => boolean {
  const job = db.prepare('INSERT OR IGNORE INTO jobs (seq, target, conversation, run_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const lane = db.prepare('INSERT OR IGNORE INTO lanes (conversation, target, head_seq, run_at) VALUES (?, ?, ?, ?)');
  return (seq, target, conversation, now) => {
    // Ready from now: lanes are claimed by run_at, so new work queues behind retries already due.
    if (job.run(seq, target, conversation, now, now).changes === 0) return false;
    lane.run(conversation, target, seq, now);
    return true;
  };
}

/**
 * Jobs in events.db. One lane per (conversation, target) holds its oldest
 * pending job; only that head may run. A lane's run_at is also its lease:
 * claiming moves it to the end of the lease, so another worker takes the
 * job only once the lease has expired, and completing or failing the job
 * moves the lane on.
 */
export class SqliteJobQueue implements JobQueue {
  private readonly st;
  private readonly scopedHeads = new Map<string, Statement>();
  private readonly enqueueTx;
  private readonly claimTx;

  constructor(private readonly db: Db, private readonly ownsDb = false) {
    const p = (sql: string) => db.prepare(sql);
    this.st = {
      heads: p(`SELECT j.seq, j.target, j.conversation, j.attempts, e.json FROM lanes l
        JOIN jobs j ON j.seq = l.head_seq AND j.target = l.target JOIN events e ON e.seq = j.seq
        WHERE l.run_at <= ? ORDER BY l.run_at LIMIT ?`),
      lease: p('UPDATE lanes SET run_at = ? WHERE conversation = ? AND target = ?'),
      release: p('UPDATE lanes SET run_at = ? WHERE conversation = ? AND target = ? AND head_seq = ? AND run_at = ?'),
      eventSeq: p('SELECT seq, json FROM events WHERE tenant = ? AND key = ?'),
      complete: p('DELETE FROM jobs WHERE seq = ? AND target = ? AND state = 0'),
      retry: p('UPDATE jobs SET attempts = attempts + 1, run_at = ?, last_error = ?, updated_at = ? WHERE seq = ? AND target = ? AND state = 0'),
      dead: p('UPDATE jobs SET attempts = attempts + 1, state = 2, last_error = ?, updated_at = ? WHERE seq = ? AND target = ? AND state = 0'),
      nextInLane: p('SELECT seq, run_at FROM jobs WHERE conversation = ? AND target = ? AND state = 0 ORDER BY seq LIMIT 1'),
      upsertLane: p(`INSERT INTO lanes (conversation, target, head_seq, run_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (conversation, target) DO UPDATE SET head_seq = excluded.head_seq, run_at = excluded.run_at`),
      dropLane: p('DELETE FROM lanes WHERE conversation = ? AND target = ?'),
      counts: p('SELECT state, count(*) AS n FROM jobs GROUP BY state'),
    };
    const queue = outbox(db);
    this.enqueueTx = db.transaction((target: string, events: readonly { tenant: string; key: string }[], now: number, lane: JobTargetSpec['lane']) => {
      let n = 0;
      for (const { tenant, key } of events) {
        const row = this.st.eventSeq.get(tenant, key) as { seq: number; json: string } | undefined;
        if (row !== undefined && queue(row.seq, target, laneOf(lane, JSON.parse(row.json) as WahookEvent), now)) n++;
      }
      return n;
    });
    this.claimTx = db.transaction((now: number, limit: number, leaseMs: number, busy: ReadonlySet<string>, scope: ClaimScope | undefined) => {
      const scoped = scope === undefined ? undefined : this.headsIn(scope);
      const rows = (scoped ? scoped.st.all([now, ...scoped.args, limit + busy.size]) : this.st.heads.all(now, limit + busy.size)) as { seq: number; target: string; conversation: string; attempts: number; json: string }[];
      const jobs: Job[] = [];
      for (const r of rows) {
        if (jobs.length === limit) break;
        if (busy.has(`${r.target}|${r.conversation}`)) continue;
        this.st.lease.run(now + leaseMs, r.conversation, r.target);
        jobs.push({ seq: r.seq, target: r.target, conversation: r.conversation, attempts: r.attempts, event: JSON.parse(r.json) as WahookEvent });
      }
      return jobs;
    });
  }

  async enqueue(target: string, events: readonly { tenant: string; key: string }[], now: number, lane?: JobTargetSpec['lane']): Promise<number> {
    return this.enqueueTx.immediate(target, events, now, lane);
  }

  async claim(now: number, limit: number, leaseMs: number, busy: ReadonlySet<string> = new Set(), scope?: ClaimScope): Promise<Job[]> {
    return this.claimTx.immediate(now, limit, leaseMs, busy, scope);
  }

  /**
   * Lane heads of some targets only. A runner's scope is fixed, so each
   * shape is prepared once; an `only` scope reads the (target, run_at)
   * index, so a media runner never scans the handler lanes.
   */
  private headsIn(scope: ClaimScope): { st: Statement; args: string[] } {
    const only = scope.only ?? [];
    const except = scope.except ?? [];
    const shape = `${scope.only ? only.length : '-'}:${except.length}`;
    let st = this.scopedHeads.get(shape);
    if (st === undefined) {
      const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
      st = this.db.prepare(`SELECT j.seq, j.target, j.conversation, j.attempts, e.json FROM lanes l
        JOIN jobs j ON j.seq = l.head_seq AND j.target = l.target JOIN events e ON e.seq = j.seq
        WHERE l.run_at <= ?${scope.only ? ` AND l.target IN (${marks(only.length)})` : ''}${except.length ? ` AND l.target NOT IN (${marks(except.length)})` : ''}
        ORDER BY l.run_at LIMIT ?`);
      this.scopedHeads.set(shape, st);
    }
    return { st, args: [...only, ...except] };
  }

  async release(jobs: readonly Job[], leasedUntil: number, now: number): Promise<void> {
    this.db.transaction(() => {
      for (const j of jobs) this.st.release.run(now, j.conversation, j.target, j.seq, leasedUntil);
    }).immediate();
  }

  async complete(job: Job): Promise<void> {
    this.db.transaction(() => {
      // A job whose lease ran out and that another worker finished first is already gone: the lane is theirs.
      if (this.st.complete.run(job.seq, job.target).changes > 0) this.advanceLane(job.conversation, job.target);
    }).immediate();
  }

  async fail(job: Job, error: string, retryAt: number | null, now: number): Promise<void> {
    const message = error.slice(0, 4000);
    this.db.transaction(() => {
      if (retryAt === null) {
        if (this.st.dead.run(message, now, job.seq, job.target).changes > 0) this.advanceLane(job.conversation, job.target);
      } else if (this.st.retry.run(retryAt, message, now, job.seq, job.target).changes > 0) {
        this.st.upsertLane.run(job.conversation, job.target, job.seq, retryAt);
      }
    }).immediate();
  }

  /** The lane's head becomes its oldest pending job (or the lane goes), due when that job is. */
  private advanceLane(conversation: string, target: string): void {
    const next = this.st.nextInLane.get(conversation, target) as { seq: number; run_at: number } | undefined;
    if (next) this.st.upsertLane.run(conversation, target, next.seq, next.run_at);
    else this.st.dropLane.run(conversation, target);
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const rows = this.db
      .prepare('SELECT j.seq, j.target, j.attempts, j.last_error, j.updated_at, e.key, e.json FROM jobs j JOIN events e ON e.seq = j.seq WHERE j.state = 2 ORDER BY j.seq LIMIT ?')
      .all(limit) as { seq: number; target: string; attempts: number; last_error: string; updated_at: number; key: string; json: string }[];
    return rows.map((r) => ({ seq: r.seq, target: r.target, key: r.key, attempts: r.attempts, lastError: r.last_error, updatedAt: r.updated_at, event: JSON.parse(r.json) as WahookEvent }));
  }

  /** Revived jobs rejoin their lane; the lane head becomes the oldest pending job again, so order holds. */
  async retryDeadLetters(seqs: readonly number[], now: number, target?: string): Promise<number> {
    const filter = `${seqs.length ? ` AND seq IN (${seqs.map(() => '?').join(',')})` : ''}${target !== undefined ? ' AND target = ?' : ''}`;
    const args = target !== undefined ? [...seqs, target] : [...seqs];
    return this.db.transaction(() => {
      const lanes = this.db.prepare(`SELECT DISTINCT conversation, target FROM jobs WHERE state = 2${filter}`).all(...args) as { conversation: string; target: string }[];
      const changed = this.db.prepare(`UPDATE jobs SET state = 0, attempts = 0, run_at = ?, updated_at = ? WHERE state = 2${filter}`).run(now, now, ...args).changes;
      for (const l of lanes) this.advanceLane(l.conversation, l.target);
      return changed;
    }).immediate();
  }

  async purgeDeadLetters(seqs: readonly number[]): Promise<number> {
    const sql = `DELETE FROM jobs WHERE state = 2${seqs.length ? ` AND seq IN (${seqs.map(() => '?').join(',')})` : ''}`;
    return this.db.prepare(sql).run(...seqs).changes;
  }

  async counts(): Promise<JobCounts> {
    const rows = this.st.counts.all() as { state: number; n: number }[];
    return { pending: rows.find((r) => r.state === PENDING)?.n ?? 0, dead: rows.find((r) => r.state === DEAD)?.n ?? 0 };
  }

  async close(): Promise<void> {
    if (this.ownsDb) this.db.close();
  }
}
