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
  /** Called each time a job lets go of its slot (its handler returned) or of its conversation (its result is saved): a claim may find more then. */
  readonly onRelease?: () => void;
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

/**
 * Runs handler and forwarding jobs: at least once, in order within a
 * conversation (the queue only offers a conversation's oldest pending job),
 * different conversations concurrently up to `concurrency`. A slot is the
 * handler's: once it returns, the slot takes the next job while the result
 * is saved, and the conversation stays this runner's until it is.
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

  /** Jobs started and not yet saved: running their handler, or having their result saved. */
  get active(): number {
    return this.running.size;
  }

  /**
   * Claims what fits in the free slots (at most `limit`) and starts it; returns how many started.
   * Results still being saved hold their conversations but not a slot. Jobs started and not yet
   * saved stay under four times the slots, so a slow store slows the claims down rather than
   * piling up leased jobs, while saves that wait for each other still go in batches of several
   * slots' worth.
   */
  async tick(limit = Infinity): Promise<number> {
    const free = Math.min(limit, this.opts.concurrency - this.handlers, 4 * this.opts.concurrency - this.running.size);
    if (free <= 0) return 0;
    const now = (this.opts.now ?? Date.now)();
    const jobs = await this.queue.claim(now, free, this.opts.leaseMs, this.busy, this.opts.scope);
    for (const job of jobs) {
      const lane = `${job.target}|${job.conversation}`;
      this.busy.add(lane);
      this.handlers++;
      const p = this.run(job).finally(() => {
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

  private async run(job: Job): Promise<void> {
    const started = performance.now();
    const failure = await this.handle(job);
    this.handlers--;
    this.opts.onRelease?.();
    if (failure !== null) {
      // If even recording the failure fails, the job stays pending at the head of its lane and runs again.
      await this.queue.fail(job, failure.message, failure.retryAt, (this.opts.now ?? Date.now)()).catch((qe: unknown) => this.opts.onQueueError?.(qe));
      this.opts.onResult?.(job, false, performance.now() - started, failure.message);
      return;
    }
    try {
      await this.queue.complete(job);
      this.opts.onResult?.(job, true, performance.now() - started);
    } catch (e) {
      // Not recorded as done: the job runs again (handlers are keyed for exactly this).
      this.opts.onQueueError?.(e);
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
