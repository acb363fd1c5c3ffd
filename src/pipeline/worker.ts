import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { DeliveryLog } from '../ports/delivery-log.js';
import type { EventStore } from '../ports/event-store.js';
import { GatewayError } from '../core/errors.js';
import type { Job, JobQueue } from '../ports/job-queue.js';
import { Alarm } from './alarm.js';
import type { Retention } from '../ports/retention.js';
import { drainOnce } from './drain.js';
import { JobRunner, leaseFor, type JobRunnerOptions } from './jobs.js';
import { startMediaRunner, type MediaStores } from './media/runner.js';
import { MEDIA_TARGET } from './media/spec.js';
import { startRetention } from './retention.js';
import { buildTargets } from './targets.js';

/** The longest wait between drain steps that keep failing. */
const MAX_FAILURE_BACKOFF_MS = 5_000;

/** The wait after the `failures`-th failed drain step in a row: the poll interval doubled per failure, capped. */
export function failureBackoffMs(pollMs: number, failures: number): number {
  return Math.max(pollMs, Math.min(MAX_FAILURE_BACKOFF_MS, pollMs * 2 ** Math.min(failures, 16)));
}

export interface WorkerHooks {
  readonly onDrain?: (deliveries: number, inserted: number, duplicates: number, ms: number, byKind: Record<string, number>) => void;
  readonly onJob?: (job: Job, ok: boolean, ms: number, error?: string) => void;
  /** After a busy drain step of `ms`, how long to rest before the next (see EdgeActivity); default 0. */
  readonly pace?: (ms: number) => number;
  /** The same after a claim of handler jobs, with a pacer of its own. */
  readonly jobPace?: (ms: number) => number;
  /** The same for a media download's slot, with a pacer of its own (each pacer watches the edge for one loop). */
  readonly mediaPace?: (ms: number) => number;
  /** After each failed step, with how many have failed in a row. */
  readonly onStepFailed?: (inARow: number, error: unknown) => void;
}

/** What a worker reads and writes; the caller opened them and closes them after `stop`. */
export interface WorkerStores {
  readonly log: DeliveryLog;
  readonly events: EventStore;
  readonly jobs: JobQueue;
  /** Needed when media is on (config.media.enabled). */
  readonly media?: MediaStores;
  /** Deletes what is past retention between the worker's steps; absent where the engine expires items itself. */
  readonly retention?: Retention;
}

export interface RunningWorker {
  /** Finishes the current step and the jobs already started. */
  stop(): Promise<void>;
}

/** What every job runner takes from the config: slots, attempts, backoff, the handler timeout and the lease. */
export function runnerLimits(config: Config): Pick<JobRunnerOptions, 'concurrency' | 'maxAttempts' | 'backoffBaseMs' | 'backoffMaxMs' | 'timeoutMs' | 'leaseMs'> {
  return {
    concurrency: config.worker.concurrency,
    maxAttempts: config.worker.maxAttempts,
    backoffBaseMs: config.worker.backoffBaseMs,
    backoffMaxMs: config.worker.backoffMaxMs,
    timeoutMs: config.worker.handlerTimeoutMs,
    leaseMs: leaseFor(config.worker.handlerTimeoutMs),
  };
}

/**
 * Jobs of one conversation a claim hands one slot, run one after another: a backlog then costs a
 * claim and a save per run rather than per job, while a run holds no slot longer than its lease allows.
 */
const RUN_PER_LANE = 32;
/** Conversations a slot may take per claim while handlers are quick (see JobRunnerOptions.lanesPerSlot). */
const LANES_PER_SLOT = 8;

/**
 * The worker: one loop drains deliveries into events, another runs ready
 * jobs, so a job that finishes during a long drain step has its slot filled
 * at once. Each sleeps `pollMs` only when it had nothing to do, so a backlog
 * drains at full speed and an idle gateway costs nothing; the job loop also
 * wakes as soon as a job frees its slot or a drain queues new jobs, rather
 * than at the poll's pace.
 */
export async function startWorker(config: Config, stores: WorkerStores, logger: Logger, hooks: WorkerHooks = {}): Promise<RunningWorker> {
  const targets = await buildTargets(config);
  const announceTo = targets.specs.filter((t) => t.name !== MEDIA_TARGET);
  const hasJobs = announceTo.length > 0;
  const mediaOn = announceTo.length < targets.specs.length;
  if (mediaOn && stores.media === undefined) throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', 'Invalid config key "media.enabled": media is on but the worker was given no media stores');
  // Downloads get a runner of their own, so they never take the handlers' slots.
  const media = mediaOn ? startMediaRunner(config, { jobs: stores.jobs, events: stores.events, media: stores.media!, announceTo }, logger, { onJob: hooks.onJob, pace: hooks.mediaPace }) : undefined;
  const jobAlarm = new Alarm();
  const runner = new JobRunner(stores.jobs, targets.run, {
    ...(media ? { scope: { except: [MEDIA_TARGET] } } : {}),
    ...runnerLimits(config),
    perLane: RUN_PER_LANE,
    lanesPerSlot: LANES_PER_SLOT,
    onRelease: () => jobAlarm.wake(),
    onQueueError: (e) => logger.error({ err: e }, 'job state not saved; it will run again'),
    onResult: (job, ok, ms, error) => {
      if (!ok) logger.warn({ seq: job.seq, kind: job.event.kind, type: job.event.type, target: job.target, attempt: job.attempts + 1, error }, 'job failed');
      hooks.onJob?.(job, ok, ms, error);
    },
  });
  const retention = stores.retention ? startRetention(config, stores.retention, logger) : undefined;
  let stopping = false;
  const drainAlarm = new Alarm();
  const rest = (pace: ((ms: number) => number) | undefined, started: number): Promise<void> => {
    const ms = pace?.(performance.now() - started) ?? 0;
    return new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));
  };
  let drainFailures = 0;
  let jobFailures = 0;
  const drainLoop = async (): Promise<void> => {
    while (!stopping) {
      const started = performance.now();
      let drained = 0;
      try {
        const r = await drainOnce(stores.log, stores.events, config.worker.batchSize, targets.specs);
        drained = r.deliveries;
        if (r.deliveries > 0) hooks.onDrain?.(r.deliveries, r.inserted, r.duplicates, performance.now() - started, r.byKind);
        if (r.inserted > 0) jobAlarm.wake();
        drainFailures = 0;
      } catch (e) {
        logger.error({ err: e }, 'worker step failed; retrying');
        hooks.onStepFailed?.(++drainFailures, e);
      }
      // A failing store is not retried in a tight loop: each failure in a row doubles the wait, up to a few seconds.
      const wait = drainFailures > 0 ? failureBackoffMs(config.worker.pollMs, drainFailures) : config.worker.pollMs;
      await (drained > 0 ? rest(hooks.pace, started) : drainAlarm.wait(wait));
    }
  };
  const jobLoop = async (): Promise<void> => {
    while (!stopping) {
      const started = performance.now();
      let claimed = 0;
      try {
        claimed = await runner.tick();
        jobFailures = 0;
      } catch (e) {
        logger.error({ err: e }, 'job claim failed; retrying');
        hooks.onStepFailed?.(++jobFailures, e);
      }
      if (claimed > 0) {
        await rest(hooks.jobPace, started);
        continue;
      }
      await jobAlarm.wait(config.worker.pollMs);
    }
  };
  const loops = Promise.all([drainLoop(), hasJobs ? jobLoop() : undefined]);
  logger.info({ targets: targets.specs.map((t) => t.name) }, 'worker started');
  return {
    stop: async () => {
      stopping = true;
      drainAlarm.wake();
      jobAlarm.wake();
      await loops;
      await runner.idle();
      await media?.stop();
      await retention?.stop();
    },
  };
}
