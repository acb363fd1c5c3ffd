import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { DeliveryLog } from '../ports/delivery-log.js';
import type { EventStore } from '../ports/event-store.js';
import { GatewayError } from '../core/errors.js';
import type { Job, JobQueue } from '../ports/job-queue.js';
import type { Retention } from '../ports/retention.js';
import { drainOnce } from './drain.js';
import { JobRunner, leaseFor, type JobRunnerOptions } from './jobs.js';
import { startMediaRunner, type MediaStores } from './media/runner.js';
import { MEDIA_TARGET } from './media/spec.js';
import { startRetention } from './retention.js';
import { buildTargets } from './targets.js';

export interface WorkerHooks {
  readonly onDrain?: (deliveries: number, inserted: number, duplicates: number, ms: number, byKind: Record<string, number>) => void;
  readonly onJob?: (job: Job, ok: boolean, ms: number, error?: string) => void;
  /** After a busy step of `ms`, how long to rest before the next (see EdgeActivity); default 0. */
  readonly pace?: (ms: number) => number;
  /** The same for a media download's slot, with a pacer of its own (each pacer watches the edge for one loop). */
  readonly mediaPace?: (ms: number) => number;
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
 * The worker loop: drain deliveries into events, then run ready jobs.
 * It sleeps `pollMs` only when there was nothing to do, so a backlog drains
 * at full speed and an idle gateway costs nothing.
 */
export async function startWorker(config: Config, stores: WorkerStores, logger: Logger, hooks: WorkerHooks = {}): Promise<RunningWorker> {
  const targets = await buildTargets(config);
  const announceTo = targets.specs.filter((t) => t.name !== MEDIA_TARGET);
  const hasJobs = announceTo.length > 0;
  const mediaOn = announceTo.length < targets.specs.length;
  if (mediaOn && stores.media === undefined) throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', 'Invalid config key "media.enabled": media is on but the worker was given no media stores');
  // Downloads get a runner of their own, so they never take the handlers' slots.
  const media = mediaOn ? startMediaRunner(config, { jobs: stores.jobs, events: stores.events, media: stores.media!, announceTo }, logger, { onJob: hooks.onJob, pace: hooks.mediaPace }) : undefined;
  const runner = new JobRunner(stores.jobs, targets.run, {
    ...(media ? { scope: { except: [MEDIA_TARGET] } } : {}),
    ...runnerLimits(config),
    onQueueError: (e) => logger.error({ err: e }, 'job state not saved; it will run again'),
    onResult: (job, ok, ms, error) => {
      if (!ok) logger.warn({ seq: job.seq, kind: job.event.kind, type: job.event.type, target: job.target, attempt: job.attempts + 1, error }, 'job failed');
      hooks.onJob?.(job, ok, ms, error);
    },
  });
  const retention = stores.retention ? startRetention(config, stores.retention, logger) : undefined;
  let stopping = false;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    while (!stopping) {
      let busy = false;
      const started = performance.now();
      try {
        const r = await drainOnce(stores.log, stores.events, config.worker.batchSize, targets.specs);
        if (r.deliveries > 0) {
          busy = true;
          hooks.onDrain?.(r.deliveries, r.inserted, r.duplicates, performance.now() - started, r.byKind);
        }
        if (hasJobs && (await runner.tick()) > 0) busy = true;
      } catch (e) {
        logger.error({ err: e }, 'worker step failed; retrying');
      }
      if (!busy) await new Promise<void>((r) => { wake = r; setTimeout(r, config.worker.pollMs); });
      else {
        const rest = hooks.pace?.(performance.now() - started) ?? 0;
        await new Promise<void>((r) => (rest > 0 ? setTimeout(r, rest) : setImmediate(r)));
      }
    }
  })();
  logger.info({ targets: targets.specs.map((t) => t.name) }, 'worker started');
  return {
    stop: async () => {
      stopping = true;
      (wake as (() => void) | null)?.();
      await loop;
      await runner.idle();
      await media?.stop();
      await retention?.stop();
    },
  };
}
