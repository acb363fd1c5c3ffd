import { backoffMs } from '../core/backoff.js';
import { toStorableText } from '../core/storable-text.js';
import type { ClaimScope, Job, JobQueue } from '../ports/job-queue.js';

/** Runs one job; `signal` aborts when the job's time is up, so the work can stop rather than run on unseen. */
export type JobTarget = (job: Job, signal: AbortSignal) => Promise<void>;

export interface JobRunnerOptions {
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** How long a claimed job is this runner's before another worker may take it; longer than `timeoutMs`. */
  readonly leaseMs: number;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly onResult?: (job: Job, ok: boolean, ms: number, error?: string) => void;
  /** A job still running after this long counts as failed (and is retried). */
  readonly timeoutMs?: number;
  readonly onQueueError?: (e: unknown) => void;
  /** Which targets this runner claims (all when absent): media downloads run in a runner of their own. */
  readonly scope?: ClaimScope;
  /** Called each time a run lets go of its slot (its handlers returned) or of its conversation (its results are saved): a claim may find more then. */
  readonly onRelease?: () => void;
  /**
   * How many consecutive jobs of one conversation a claim may hand one slot (1 when absent): they would
   * run one after another anyway, so a run of them costs one claim and one save instead of one each.
   */
  readonly perLane?: number;
  /**
   * How many conversations one slot may take per claim, to run one after another (1 when absent). Taken
   * only while handlers are quick enough that all of them fit well inside the lease: a claim then
   * serves many quick conversations, where each slot would otherwise wait for a claim of its own.
   */
  readonly lanesPerSlot?: number;
}

/** Runs `work` with a signal that aborts, and a result that rejects, once `ms` have passed. */
function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, ms: number | undefined): Promise<T> {
  const controller = new AbortController();
  const p = Promise.resolve().then(() => work(controller.signal));
  if (ms === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new Error(`timed out after ${ms} ms`);
      controller.abort(e);
      reject(e);
    }, ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/**
 * A job's lease outlasts its handler's timeout by half again, so a live
 * worker never loses a job it is still running, while the jobs of a worker
 * that died come back soon after.
 */
export function leaseFor(handlerTimeoutMs: number): number {
  return handlerTimeoutMs + Math.max(1000, Math.ceil(handlerTimeoutMs / 2));
}

/** What a run of one conversation came to: the jobs done, in order, and the one that failed, if one did. */
interface Outcome {
  readonly done: readonly { job: Job; ms: number }[];
  readonly failed: { job: Job; ms: number; message: string; retryAt: number | null } | null;
}

const laneOf = (job: Job): string => `${job.target}|${job.conversation}`;

/** A conversation's jobs in one claim, oldest first: one slot runs them in order. */
function runsOf(jobs: readonly Job[]): Job[][] {
  const runs = new Map<string, Job[]>();
  for (const job of jobs) {
    const run = runs.get(laneOf(job));
    if (run === undefined) runs.set(laneOf(job), [job]);
    else run.push(job);
  }
  return [...runs.values()];
}

/**
 * Runs handler and forwarding jobs: at least once, in order within a
 * conversation (the queue only offers a conversation's oldest pending jobs),
 * different conversations concurrently up to `concurrency`. A slot is the
 * handler's: once its runs of jobs have returned, the slot takes the next
 * while the results are saved, and the conversations stay this runner's
 * until they are.
 */
export class JobRunner {
  private readonly busy = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private handlers = 0;
  /** A moving average of one job's handler time, once one has run. */
  private jobMs: number | undefined;

  constructor(
    private readonly queue: JobQueue,
    private readonly targets: Readonly<Record<string, JobTarget>>,
    private readonly opts: JobRunnerOptions,
  ) {}

  /** Slots started and not yet saved: running their handlers, or having their results saved. */
  get active(): number {
    return this.running.size;
  }

  /**
   * Claims what fits in the free slots (at most `limit` of them) and starts it; returns how many jobs
   * started. Results still being saved hold their conversations but not a slot. Slots started and not
   * yet saved stay under four times the slots, so a slow store slows the claims down rather than
   * piling up leased jobs, while saves that wait for each other still go in batches of several slots'
   * worth.
   */
  async tick(limit = Infinity): Promise<number> {
    const free = Math.min(limit, this.opts.concurrency - this.handlers, 4 * this.opts.concurrency - this.running.size);
    if (free <= 0) return 0;
    const now = this.now();
    const jobs = await this.queue.claim(now, free * this.lanesPerSlot(), this.opts.leaseMs, this.busy, this.opts.scope, this.opts.perLane ?? 1);
    const runs = runsOf(jobs);
    const slots = Array.from({ length: Math.min(free, runs.length) }, () => [] as Job[][]);
    runs.forEach((run, i) => slots[i % slots.length]!.push(run));
    for (const slot of slots) {
      const lanes = slot.map((run) => laneOf(run[0]!));
      for (const lane of lanes) this.busy.add(lane);
      this.handlers++;
      const p = this.runSlot(slot, now).catch((e: unknown) => this.opts.onQueueError?.(e)).finally(() => {
        for (const lane of lanes) this.busy.delete(lane);
        this.running.delete(p);
        this.opts.onRelease?.();
      });
      this.running.add(p);
    }
    return jobs.length;
  }

  /** Waits for the jobs already started, their results saved. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** How long after its claim a run may still start a job (see roomLeft). */
  private budgetMs(): number {
    return (this.opts.leaseMs - (this.opts.timeoutMs ?? 0)) / 2;
  }

  /**
   * A run goes on to its next job only while the lease leaves room for that job's whole timeout and
   * half the margin the lease keeps for saving, so no job of a run is still running when the lease
   * ends and another worker may take the conversation.
   */
  private roomLeft(claimedAt: number): boolean {
    return this.now() - claimedAt <= this.budgetMs();
  }

  /**
   * Conversations per slot for the next claim: as many as `lanesPerSlot` allows while a slot's full
   * share (each conversation a whole run, at the handlers' recent pace) takes at most a quarter of
   * the time its runs may start in; one until a handler has been timed.
   */
  private lanesPerSlot(): number {
    const most = this.opts.lanesPerSlot ?? 1;
    if (most <= 1 || this.jobMs === undefined) return 1;
    const fits = Math.floor(this.budgetMs() / (4 * (this.opts.perLane ?? 1) * Math.max(this.jobMs, 0.001)));
    return Math.max(1, Math.min(most, fits));
  }

  private timed(ms: number): void {
    this.jobMs = this.jobMs === undefined ? ms : this.jobMs + (ms - this.jobMs) / 8;
  }

  /**
   * Runs a slot's conversations one after another, each saved as soon as its run is over. A
   * conversation the slot reaches only once the lease has no room left is not started and is
   * given back to the queue at once (the pace of the handlers keeps this rare; see lanesPerSlot).
   */
  private async runSlot(runs: readonly Job[][], claimedAt: number): Promise<void> {
    const saves: Promise<void>[] = [];
    try {
      for (const [i, run] of runs.entries()) {
        if (saves.length > 0 && !this.roomLeft(claimedAt)) {
          saves.push(this.giveBack(runs.slice(i).map((r) => r[0]!), claimedAt));
          break;
        }
        saves.push(this.save(await this.run(run, claimedAt)));
      }
    } finally {
      // Whatever happened in the slot, it is free again: a slot lost here would stop the claims for good.
      this.handlers--;
      this.opts.onRelease?.();
    }
    await Promise.all(saves);
  }

  /**
   * Runs a conversation's jobs in order until one fails or the lease has no room left; those not run
   * stay pending at the head of the conversation.
   */
  private async run(jobs: readonly Job[], claimedAt: number): Promise<Outcome> {
    const done: { job: Job; ms: number }[] = [];
    for (const job of jobs) {
      if (done.length > 0 && !this.roomLeft(claimedAt)) break;
      const started = performance.now();
      const failure = await this.handle(job);
      const ms = performance.now() - started;
      this.timed(ms);
      if (failure !== null) return { done, failed: { job, ms, ...failure } };
      done.push({ job, ms });
    }
    return { done, failed: null };
  }

  /** Conversations claimed but not started go back at once rather than waiting out the lease. */
  private async giveBack(heads: readonly Job[], claimedAt: number): Promise<void> {
    try {
      await this.queue.release(heads, claimedAt + this.opts.leaseMs, this.now());
    } catch (e) {
      // Not given back: they come back when the lease ends, as from a worker that stopped.
      this.opts.onQueueError?.(e);
    }
  }

  /**
   * When a job failed, the jobs before it are saved with the conversation still held, and then the
   * failure, so no other worker starts the conversation between the two.
   */
  private async save({ done, failed }: Outcome): Promise<void> {
    if (done.length > 0) {
      try {
        // Saved together: the queue moves the conversation on once, past all of them.
        await Promise.all(done.map((d) => this.queue.complete(d.job, failed !== null)));
        for (const d of done) this.opts.onResult?.(d.job, true, d.ms);
      } catch (e) {
        // Not recorded as done: these jobs (and the failed one after them) run again once the lease ends,
        // in order (handlers are keyed for exactly this).
        this.opts.onQueueError?.(e);
        return;
      }
    }
    if (failed !== null) {
      // If even recording the failure fails, the job stays pending at the head of its lane and runs again.
      await this.queue.fail(failed.job, failed.message, failed.retryAt, this.now()).catch((qe: unknown) => this.opts.onQueueError?.(qe));
      this.opts.onResult?.(failed.job, false, failed.ms, failed.message);
    }
  }

  /** Runs the job's target; null when it succeeded, else what to record and when to retry (null: never). */
  private async handle(job: Job): Promise<{ message: string; retryAt: number | null } | null> {
    const target = this.targets[job.target];
    const now = this.opts.now ?? Date.now;
    try {
      if (target === undefined) throw new Error(`no target "${job.target}" is configured`);
      await withTimeout((signal) => target(job, signal), this.opts.timeoutMs);
      return null;
    } catch (e) {
      const message = failureMessage(e);
      const attempt = job.attempts + 1;
      // An error that says it cannot succeed (a GatewayError's flag, or any error carrying the same field) is not retried:
      // retries would only hold the conversation behind it until maxAttempts.
      const final = attempt >= this.opts.maxAttempts || retryableOf(e) === false;
      const retryAt = final ? null : now() + backoffMs(job.attempts, { baseMs: this.opts.backoffBaseMs, maxMs: this.opts.backoffMaxMs }, this.opts.random ?? Math.random);
      return { message, retryAt };
    }
  }
}

/**
 * What a failed job records. A handler may reject with anything, also a value whose every property or
 * string conversion throws; the message is then the value's kind. NUL and lone surrogates, which
 * PostgreSQL's text refuses (the failure could then never be recorded), become U+FFFD.
 */
export function failureMessage(e: unknown): string {
  let message: string;
  try {
    const code = (e as { code?: unknown } | null)?.code;
    // A dead letter names the stable code when there is one, so the reason can be looked up in docs/errors.md.
    const label = typeof code === 'string' && code.startsWith('WAHOOK_ERR_') ? code : (e as Error | null)?.name;
    message = e instanceof Error ? `${label}: ${e.message}` : String(e);
  } catch {
    message = kindOf(e);
  }
  return toStorableText(message);
}

function kindOf(e: unknown): string {
  try {
    return Object.prototype.toString.call(e);
  } catch {
    // A proxy whose every trap throws, even the one that names its kind.
    return `[${typeof e}]`;
  }
}

function retryableOf(e: unknown): unknown {
  try {
    return (e as { retryable?: unknown } | null)?.retryable;
  } catch {
    return undefined;
  }
}
