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
   * Ready lane heads, oldest due first, leased until `now + leaseMs`;
   * `busy` lanes (`target|conversation`) are skipped; `scope` lets a runner
   * with its own slots (media downloads) take only its own targets.
   */
  claim(now: number, limit: number, leaseMs: number, busy?: ReadonlySet<string>, scope?: ClaimScope): Promise<Job[]>;
  /** Done: the lane moves on to its next job. */
  complete(job: Job): Promise<void>;
  /** Retries at `retryAt`, or dead-letters now when `retryAt` is null. */
  fail(job: Job, error: string, retryAt: number | null, now: number): Promise<void>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
  /** Puts dead letters back in their lanes (all when `seqs` is empty; only `target`'s when given); returns how many. */
  retryDeadLetters(seqs: readonly number[], now: number, target?: string): Promise<number>;
  purgeDeadLetters(seqs: readonly number[]): Promise<number>;
  counts(): Promise<JobCounts>;
  close(): Promise<void>;
}
