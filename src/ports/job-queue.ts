import type { WahookEvent } from '../core/events.js';
import type { JobTargetSpec } from '../core/job-routing.js';

/**
 * Handler, forwarding and media jobs: at least once, in order per
 * conversation and target (only a lane's oldest pending job may run), with
 * a lease so that a job claimed by a worker that died runs again once the
 * lease has expired, and never twice at once while it holds.
 */

export interface Job {
  readonly seq: number;
  readonly target: string;
  readonly conversation: string;
  readonly attempts: number;
  readonly event: WahookEvent;
  /**
   * When the claim's lease on the job's lane ends, where a queue keeps it on
   * the lane: `complete` and `fail` then move the lane on only while that
   * lease is still the lane's, so a worker that finishes after its lease ran
   * out (a frozen Lambda, a long pause) cannot let the conversation's next
   * job start beside the one another worker took over.
   */
  readonly leasedUntil?: number;
}

export interface DeadLetter {
  readonly seq: number;
  readonly target: string;
  readonly key: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly updatedAt: number;
  readonly event: WahookEvent;
}

export interface JobCounts {
  readonly pending: number;
  readonly dead: number;
}

/** Which targets a claim takes: those in `only` (all when absent) and not in `except`. */
export interface ClaimScope {
  readonly only?: readonly string[];
  readonly except?: readonly string[];
}

export interface JobQueue {
  /** Queues a job for `target` for each stored event named by key, in the conversation's lane or (`lane: 'event'`) the event's own; returns how many were new. */
  enqueue(target: string, events: readonly { tenant: string; key: string }[], now: number, lane?: JobTargetSpec['lane']): Promise<number>;
  /**
   * Ready lane heads of at most `limit` lanes, oldest due first, leased
   * until `now + leaseMs`; `busy` lanes (`target|conversation`) are
   * skipped; `scope` lets a runner with its own slots (media downloads)
   * take only its own targets. A queue may return, with each head, up to
   * `perLane - 1` of the pending jobs behind it, in order (the runner runs
   * them one after another under the same lease); one per lane is always
   * a valid answer.
   */
  claim(now: number, limit: number, leaseMs: number, busy?: ReadonlySet<string>, scope?: ClaimScope, perLane?: number): Promise<Job[]>;
  /**
   * Done: the lane moves on to its next job. With `hold`, the runner still
   * has a result of this lane to record (a job after this one failed), so
   * the lane stays leased. Only a queue whose claims return several jobs
   * per lane is ever asked to hold.
   */
  complete(job: Job, hold?: boolean): Promise<void>;
  /**
   * Gives back the lanes of claimed jobs the runner did not start, so they
   * are due at once instead of when the lease ends. Only a lane this
   * claim still holds goes back (its lease ends at `leasedUntil`, the
   * claim's `now + leaseMs`, and its head is the job given): one whose lease
   * ran out and that another worker took stays theirs.
   */
  release(jobs: readonly Job[], leasedUntil: number, now: number): Promise<void>;
  /** Retries at `retryAt`, or dead-letters now when `retryAt` is null. */
  fail(job: Job, error: string, retryAt: number | null, now: number): Promise<void>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
  /** Puts dead letters back in their lanes (all when `seqs` is empty; only `target`'s when given); returns how many. */
  retryDeadLetters(seqs: readonly number[], now: number, target?: string): Promise<number>;
  purgeDeadLetters(seqs: readonly number[]): Promise<number>;
  counts(): Promise<JobCounts>;
  close(): Promise<void>;
}
