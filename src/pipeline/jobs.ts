import { backoffMs } from '../core/backoff.js';
import type { ClaimScope, Job, JobQueue } from '../ports/job-queue.js';

export type JobTarget = (job: Job) => Promise<void>;

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
}

function withTimeout<T>(p: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
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

/** A conversation's jobs in one claim, oldest first: one slot runs them in order. */
function runsOf(jobs: readonly Job[]): Job[][] {
  const runs = new Map<string, Job[]>();
  for (const job of jobs) {
    const lane = `${job.target}|${job.conversation}`;
    const run = runs.get(lane);
    if (run === undefined) runs.set(lane, [job]);
    else run.push(job);
  }
  return [...runs.values()];
}

/**
 * Runs handler and forwarding jobs: at least once, in order within a
 * conversation (the queue only offers a conversation's oldest pending jobs),
 * different conversations concurrently up to `concurrency`. A slot is the
 * handler's: once its run of jobs has returned, the slot takes the next run
 * while the results are saved, and the conversation stays this runner's
 * until they are.
 */
export class JobRunner {
  private readonly busy = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private handlers = 0;

  constructor(
    private readonly queue: JobQueue,
    private readonly targets: Readonly<Record<string, JobTarget>>,
    private readonly opts: JobRunnerOptions,
  ) {}

  /** Runs started and not yet saved: running their handlers, or having their results saved. */
  get active(): number {
    return this.running.size;
  }

  /**
   * Claims what fits in the free slots (at most `limit` conversations) and starts it; returns how many
   * jobs started. Results still being saved hold their conversations but not a slot. Runs started and
   * not yet saved stay under four times the slots, so a slow store slows the claims down rather than
   * piling up leased jobs, while saves that wait for each other still go in batches of several slots'
   * worth.
   */
  async tick(limit = Infinity): Promise<number> {
    const free = Math.min(limit, this.opts.concurrency - this.handlers, 4 * this.opts.concurrency - this.running.size);
    if (free <= 0) return 0;
    const now = this.now();
    const jobs = await this.queue.claim(now, free, this.opts.leaseMs, this.busy, this.opts.scope, this.opts.perLane ?? 1);
    for (const run of runsOf(jobs)) {
      const lane = `${run[0]!.target}|${run[0]!.conversation}`;
      this.busy.add(lane);
      this.handlers++;
      const p = this.run(run, now).finally(() => {
        this.busy.delete(lane);
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

  /**
   * A run goes on to its next job only while the lease leaves room for that job's whole timeout and
   * half the margin the lease keeps for saving, so no job of a run is still running when the lease
   * ends and another worker may take the conversation.
   */
  private roomLeft(claimedAt: number): boolean {
    const timeout = this.opts.timeoutMs ?? 0;
    return this.now() - claimedAt <= (this.opts.leaseMs - timeout) / 2;
  }

  /**
   * Runs a conversation's jobs in order until one fails or the lease has no room left; those not run
   * stay pending at the head of the conversation. When one failed, the jobs before it are saved with
   * the conversation still held, and then the failure, so no other worker starts the conversation
   * between the two.
   */
  private async run(jobs: readonly Job[], claimedAt: number): Promise<void> {
    const done: { job: Job; ms: number }[] = [];
    let failed: { job: Job; ms: number; message: string; retryAt: number | null } | null = null;
    for (const job of jobs) {
      if (done.length > 0 && !this.roomLeft(claimedAt)) break;
      const started = performance.now();
      const failure = await this.handle(job);
      const ms = performance.now() - started;
      if (failure !== null) {
        failed = { job, ms, ...failure };
        break;
      }
      done.push({ job, ms });
    }
    this.handlers--;
    this.opts.onRelease?.();
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
      await withTimeout(Promise.resolve().then(() => target(job)), this.opts.timeoutMs);
      return null;
    } catch (e) {
      const code = (e as { code?: unknown } | null)?.code;
      // A dead letter names the stable code when there is one, so the reason can be looked up in docs/errors.md.
      const label = typeof code === 'string' && code.startsWith('WAHOOK_ERR_') ? code : (e as Error | null)?.name;
      const message = e instanceof Error ? `${label}: ${e.message}` : String(e);
      const attempt = job.attempts + 1;
      // An error that says it cannot succeed (a GatewayError's flag, or any error carrying the same field) is not retried:
      // retries would only hold the conversation behind it until maxAttempts.
      const final = attempt >= this.opts.maxAttempts || (e as { retryable?: unknown } | null)?.retryable === false;
      const retryAt = final ? null : now() + backoffMs(job.attempts, { baseMs: this.opts.backoffBaseMs, maxMs: this.opts.backoffMaxMs }, this.opts.random ?? Math.random);
      return { message, retryAt };
    }
  }
}
