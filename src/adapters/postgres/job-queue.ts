import type pg from 'pg';
import { laneOf, type JobTargetSpec } from '../../core/job-routing.js';
import type { WahookEvent } from '../../core/events.js';
import type { ClaimScope, DeadLetter, Job, JobCounts, JobQueue } from '../../ports/job-queue.js';
import { Coalesced } from './coalesce.js';
import type { Pg } from './pool.js';

type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * Queues jobs in the caller's transaction (the ingest's outbox). A lane
 * that exists is locked by a no-op update rather than skipped, so a lane
 * that another worker is emptying at the same moment is either seen with
 * this job or created again for it: a job is never left without a lane.
 */
export async function queueJobs(c: Queryable, pg: Pg, jobs: readonly { seq: number; target: string; conversation: string }[], now: number): Promise<number> {
  if (jobs.length === 0) return 0;
  const r = await c.query(
    `INSERT INTO ${pg.t('jobs')} (seq, target, conversation, run_at, updated_at) SELECT seq, target, conversation, $4, $4 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(seq, target, conversation)
     ON CONFLICT DO NOTHING RETURNING seq, target, conversation`,
    [jobs.map((j) => j.seq), jobs.map((j) => j.target), jobs.map((j) => j.conversation), now],
  );
  const fresh = r.rows as { seq: number; target: string; conversation: string }[];
  if (fresh.length === 0) return 0;
  const lanes = pg.t('lanes');
  await c.query(
    `INSERT INTO ${lanes} (conversation, target, head_seq, run_at)
     SELECT conversation, target, min(seq), $4 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(seq, target, conversation) GROUP BY conversation, target ORDER BY conversation, target
     ON CONFLICT (conversation, target) DO UPDATE SET head_seq = ${lanes}.head_seq`,
    [fresh.map((j) => j.seq), fresh.map((j) => j.target), fresh.map((j) => j.conversation), now],
  );
  return fresh.length;
}

/**
 * Jobs in PostgreSQL. Workers claim ready lane heads with FOR UPDATE SKIP
 * LOCKED and move the lane's run_at past the lease, so no other worker
 * takes the job until the lease has expired.
 */
export class PostgresJobQueue implements JobQueue {
  private readonly completions = new Coalesced<{ job: Job; hold: boolean }>((done) => this.completeAll(done));

  constructor(private readonly pg: Pg) {}

  async enqueue(target: string, events: readonly { tenant: string; key: string }[], now: number, lane?: JobTargetSpec['lane']): Promise<number> {
    if (events.length === 0) return 0;
    return this.pg.tx(async (c) => {
      const r = await c.query(
        `SELECT e.seq, e.json FROM ${this.pg.t('events')} e JOIN unnest($1::text[], $2::text[]) AS u(tenant, key) USING (tenant, key)`,
        [events.map((e) => e.tenant), events.map((e) => e.key)],
      );
      const jobs = (r.rows as { seq: number; json: WahookEvent }[]).map((row) => ({ seq: row.seq, target, conversation: laneOf(lane, row.json) }));
      return queueJobs(c, this.pg, jobs, now);
    });
  }

  /**
   * One statement: the lanes are leased and their jobs read with their events in the same round trip.
   * A lane's run is cut before the first job behind the head that is not due yet, so a run never
   * starts a job ahead of its time nor skips it.
   */
  async claim(now: number, limit: number, leaseMs: number, busy: ReadonlySet<string> = new Set(), scope: ClaimScope = {}, perLane = 1): Promise<Job[]> {
    const lanes = this.pg.t('lanes');
    const r = await this.pg.pool.query(
      `WITH picked AS (
         SELECT conversation, target FROM ${lanes} WHERE run_at <= $1 AND NOT ((target || '|' || conversation) = ANY($4::text[]))
           AND ($5::text[] IS NULL OR target = ANY($5::text[])) AND NOT (target = ANY($6::text[]))
         ORDER BY run_at LIMIT $2 FOR UPDATE SKIP LOCKED),
       leased AS (
         UPDATE ${lanes} l SET run_at = $1 + $3 FROM picked WHERE l.conversation = picked.conversation AND l.target = picked.target
         RETURNING l.conversation, l.target, l.head_seq)
       SELECT j.seq, j.target, j.conversation, j.attempts, j.run_at, e.json FROM leased
       CROSS JOIN LATERAL (
         SELECT seq, target, conversation, attempts, run_at FROM ${this.pg.t('jobs')}
         WHERE conversation = leased.conversation AND target = leased.target AND state = 0 AND seq >= leased.head_seq
         ORDER BY seq LIMIT $7) j
       JOIN ${this.pg.t('events')} e ON e.seq = j.seq
       ORDER BY j.target, j.conversation, j.seq`,
      [now, limit, leaseMs, [...busy], scope.only === undefined ? null : [...scope.only], [...(scope.except ?? [])], Math.max(1, perLane)],
    );
    const out: Job[] = [];
    let lane = '';
    let cut = false;
    for (const row of r.rows as { seq: number; target: string; conversation: string; attempts: number; run_at: number; json: WahookEvent }[]) {
      const key = `${row.target}|${row.conversation}`;
      if (key !== lane) [lane, cut] = [key, false];
      else cut ||= Number(row.run_at) > now;
      if (!cut) out.push({ seq: row.seq, target: row.target, conversation: row.conversation, attempts: row.attempts, event: row.json, leasedUntil: now + leaseMs });
    }
    return out;
  }

  /**
   * The lane's row is locked first, so finishing a head and queueing behind it never interleave. `leased`: the
   * lane is still under the lease the job was claimed with (always, for a job that names none).
   */
  private async onLane(job: Job, fn: (c: pg.PoolClient, leased: boolean) => Promise<void>): Promise<void> {
    await this.pg.tx(async (c) => {
      const lane = await c.query(`SELECT run_at FROM ${this.pg.t('lanes')} WHERE conversation = $1 AND target = $2 FOR UPDATE`, [job.conversation, job.target]);
      const runAt = (lane.rows[0] as { run_at: number } | undefined)?.run_at;
      await fn(c, job.leasedUntil === undefined || (runAt !== undefined && Number(runAt) === job.leasedUntil));
    });
  }

  private async advanceLane(c: Queryable, conversation: string, target: string): Promise<void> {
    const next = await c.query(`SELECT seq, run_at FROM ${this.pg.t('jobs')} WHERE conversation = $1 AND target = $2 AND state = 0 ORDER BY seq LIMIT 1`, [conversation, target]);
    const lanes = this.pg.t('lanes');
    if (next.rowCount === 0) await c.query(`DELETE FROM ${lanes} WHERE conversation = $1 AND target = $2`, [conversation, target]);
    else {
      const n = next.rows[0] as { seq: number; run_at: number };
      await c.query(
        `INSERT INTO ${lanes} (conversation, target, head_seq, run_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (conversation, target) DO UPDATE SET head_seq = excluded.head_seq, run_at = excluded.run_at`,
        [conversation, target, n.seq, n.run_at],
      );
    }
  }

  async release(jobs: readonly Job[], leasedUntil: number, now: number): Promise<void> {
    if (jobs.length === 0) return;
    const lanes = this.pg.t('lanes');
    await this.pg.pool.query(
      `UPDATE ${lanes} l SET run_at = $4 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(conversation, target, head)
       WHERE l.conversation = u.conversation AND l.target = u.target AND l.head_seq = u.head AND l.run_at = $5`,
      [jobs.map((j) => j.conversation), jobs.map((j) => j.target), jobs.map((j) => j.seq), now, leasedUntil],
    );
  }

  /** Jobs finished together are removed together: see completeAll. */
  complete(job: Job, hold = false): Promise<void> {
    return this.completions.add({ job, hold });
  }

  /**
   * Removes finished jobs and moves their lanes on, for any number of jobs in
   * one transaction of two statements. The lanes are locked first, in key
   * order (as queueJobs locks them, so the two never deadlock), and the next
   * heads are read by the statement after: its snapshot is taken once the
   * locks are held, so it sees every job queued behind these lanes, and no
   * lane is removed while a job is being queued in it. A job already gone
   * (its lease ran out and another worker finished it) leaves its lane to
   * that worker. A held lane moves on but keeps its lease: its runner
   * records a failure next. A lane moves on only while it is still under
   * the lease its jobs were claimed with: a worker that finishes after its
   * lease ran out, and another took the lane, leaves the lane to that one
   * (whose claim skips the finished job).
   */
  private async completeAll(done: readonly { job: Job; hold: boolean }[]): Promise<void> {
    const lanes = this.pg.t('lanes');
    const table = this.pg.t('jobs');
    const jobs = done.map((d) => d.job);
    await this.pg.tx(async (c) => {
      await c.query(
        `SELECT 1 FROM ${lanes} l JOIN unnest($1::text[], $2::text[]) AS u(conversation, target) USING (conversation, target)
         ORDER BY l.conversation, l.target FOR UPDATE OF l`,
        [jobs.map((j) => j.conversation), jobs.map((j) => j.target)],
      );
      // A lane's finished jobs are passed on as one array, so the next head skips them without a scan of all of them.
      await c.query(
        `WITH done AS (
           DELETE FROM ${table} j USING unnest($1::bigint[], $2::text[], $3::bool[]) AS u(seq, target, hold)
           WHERE j.seq = u.seq AND j.target = u.target AND j.state = 0 RETURNING j.seq, j.target, j.conversation, u.hold),
         lane AS (
           SELECT d.conversation, d.target, array_agg(d.seq) AS seqs, bool_or(d.hold) AS hold, max(u.lease) AS lease
           FROM done d JOIN unnest($1::bigint[], $2::text[], $4::bigint[]) AS u(seq, target, lease) ON u.seq = d.seq AND u.target = d.target
           GROUP BY d.conversation, d.target),
         next AS (
           SELECT d.conversation, d.target, n.seq, CASE WHEN d.hold THEN greatest(n.run_at, l.run_at) ELSE n.run_at END AS run_at
           FROM lane d LEFT JOIN ${lanes} l USING (conversation, target)
           LEFT JOIN LATERAL (
             SELECT j.seq, j.run_at FROM ${table} j WHERE j.conversation = d.conversation AND j.target = d.target AND j.state = 0
               AND NOT (j.seq = ANY(d.seqs))
             ORDER BY j.seq LIMIT 1) n ON true
           WHERE d.lease IS NULL OR l.run_at = d.lease),
         emptied AS (
           DELETE FROM ${lanes} l USING next WHERE next.seq IS NULL AND l.conversation = next.conversation AND l.target = next.target)
         INSERT INTO ${lanes} (conversation, target, head_seq, run_at) SELECT conversation, target, seq, run_at FROM next WHERE seq IS NOT NULL
         ON CONFLICT (conversation, target) DO UPDATE SET head_seq = excluded.head_seq, run_at = excluded.run_at`,
        [jobs.map((j) => j.seq), jobs.map((j) => j.target), done.map((d) => d.hold), jobs.map((j) => j.leasedUntil ?? null)],
      );
    });
  }

  async fail(job: Job, error: string, retryAt: number | null, now: number): Promise<void> {
    const message = error.slice(0, 4000);
    const jobs = this.pg.t('jobs');
    await this.onLane(job, async (c, leased) => {
      if (retryAt === null) {
        const r = await c.query(`UPDATE ${jobs} SET attempts = attempts + 1, state = 2, last_error = $1, updated_at = $2 WHERE seq = $3 AND target = $4 AND state = 0`, [message, now, job.seq, job.target]);
        if (r.rowCount && leased) await this.advanceLane(c, job.conversation, job.target);
      } else {
        const r = await c.query(`UPDATE ${jobs} SET attempts = attempts + 1, run_at = $1, last_error = $2, updated_at = $3 WHERE seq = $4 AND target = $5 AND state = 0`, [retryAt, message, now, job.seq, job.target]);
        if (r.rowCount && leased) {
          await c.query(
            `INSERT INTO ${this.pg.t('lanes')} (conversation, target, head_seq, run_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (conversation, target) DO UPDATE SET head_seq = excluded.head_seq, run_at = excluded.run_at`,
            [job.conversation, job.target, job.seq, retryAt],
          );
        }
      }
    });
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const r = await this.pg.pool.query(
      `SELECT j.seq, j.target, j.attempts, j.last_error, j.updated_at, e.key, e.json FROM ${this.pg.t('jobs')} j JOIN ${this.pg.t('events')} e ON e.seq = j.seq
       WHERE j.state = 2 ORDER BY j.seq LIMIT $1`,
      [limit],
    );
    return (r.rows as { seq: number; target: string; attempts: number; last_error: string; updated_at: number; key: string; json: WahookEvent }[]).map((row) => ({
      seq: row.seq, target: row.target, key: row.key, attempts: row.attempts, lastError: row.last_error, updatedAt: row.updated_at, event: row.json,
    }));
  }

  async retryDeadLetters(seqs: readonly number[], now: number, target?: string): Promise<number> {
    const jobs = this.pg.t('jobs');
    return this.pg.tx(async (c) => {
      const args: unknown[] = [now];
      let filter = '';
      if (seqs.length) { args.push([...seqs]); filter += ` AND seq = ANY($${args.length}::bigint[])`; }
      if (target !== undefined) { args.push(target); filter += ` AND target = $${args.length}`; }
      const r = await c.query(`UPDATE ${jobs} SET state = 0, attempts = 0, run_at = $1, updated_at = $1 WHERE state = 2${filter} RETURNING conversation, target`, args);
      const lanes = new Map((r.rows as { conversation: string; target: string }[]).map((l) => [`${l.target}|${l.conversation}`, l]));
      for (const l of [...lanes.values()].sort((a, b) => (a.conversation + a.target < b.conversation + b.target ? -1 : 1))) {
        await c.query(`SELECT 1 FROM ${this.pg.t('lanes')} WHERE conversation = $1 AND target = $2 FOR UPDATE`, [l.conversation, l.target]);
        await this.advanceLane(c, l.conversation, l.target);
      }
      return r.rowCount ?? 0;
    });
  }

  async purgeDeadLetters(seqs: readonly number[]): Promise<number> {
    const filter = seqs.length ? ' AND seq = ANY($1::bigint[])' : '';
    const r = await this.pg.pool.query(`DELETE FROM ${this.pg.t('jobs')} WHERE state = 2${filter}`, seqs.length ? [[...seqs]] : []);
    return r.rowCount ?? 0;
  }

  async counts(): Promise<JobCounts> {
    const r = await this.pg.pool.query(`SELECT state, count(*)::bigint AS n FROM ${this.pg.t('jobs')} GROUP BY state`);
    const rows = r.rows as { state: number; n: number }[];
    return { pending: rows.find((x) => x.state === 0)?.n ?? 0, dead: rows.find((x) => x.state === 2)?.n ?? 0 };
  }

  async close(): Promise<void> {
    await this.completions.settled();
    await this.pg.release();
  }
}
