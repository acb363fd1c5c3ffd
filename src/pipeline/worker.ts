import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { SqliteDeliveryReader } from '../adapters/sqlite/delivery-reader.js';
import { SqliteEventStore } from '../adapters/sqlite/event-store.js';
import { resolve } from 'node:path';
import { drainOnce } from './drain.js';
import { forwardEvent } from './forward.js';
import { handlerFor, loadHandlers } from './handlers.js';
import { JobRunner, type JobTarget } from './jobs.js';
import type { Job } from '../ports/event-store.js';

export interface WorkerHooks {
  readonly onDrain?: (deliveries: number, inserted: number, duplicates: number, ms: number, byKind: Record<string, number>) => void;
  readonly onJob?: (job: Job, ok: boolean, ms: number, error?: string) => void;
  /** After a busy step of `ms`, how long to rest before the next (see EdgeActivity); default 0. */
  readonly pace?: (ms: number) => number;
}

export interface RunningWorker {
  stop(): Promise<void>;
  /** Resolves when the backlog is empty and no job is ready (tests, benchmarks). */
  readonly store: SqliteEventStore;
}

async function buildTargets(config: Config): Promise<Record<string, JobTarget>> {
  const targets: Record<string, JobTarget> = {};
  if (config.handlers !== undefined) {
    const handlers = await loadHandlers(config.handlers);
    targets.handler = async (job) => {
      const fn = handlerFor(handlers, job.event);
      if (fn) await fn(job.event, { key: job.event.key, attempt: job.attempts + 1 });
    };
  }
  if (config.forwardUrl !== undefined && config.forwardSecret !== undefined) {
    const { forwardUrl, forwardSecret, forwardTimeoutMs } = config;
    targets.forward = (job) => forwardEvent(forwardUrl, forwardSecret, job.event, forwardTimeoutMs, Math.floor(Date.now() / 1000));
  }
  return targets;
}

/**
 * The worker loop: drain deliveries into events, then run ready jobs.
 * It sleeps `pollMs` only when there was nothing to do, so a backlog drains
 * at full speed and an idle gateway costs nothing.
 */
export async function startWorker(config: Config, logger: Logger, hooks: WorkerHooks = {}): Promise<RunningWorker> {
  const dataDir = resolve(config.dataDir);
  const reader = new SqliteDeliveryReader(dataDir);
  const store = new SqliteEventStore(dataDir);
  const targets = await buildTargets(config);
  const targetNames = Object.keys(targets);
  const runner = new JobRunner(store, targets, {
    concurrency: config.worker.concurrency,
    maxAttempts: config.worker.maxAttempts,
    backoffBaseMs: config.worker.backoffBaseMs,
    backoffMaxMs: config.worker.backoffMaxMs,
    timeoutMs: config.worker.handlerTimeoutMs,
    onQueueError: (e) => logger.error({ err: e }, 'job state not saved; it will run again'),
    onResult: (job, ok, ms, error) => {
      if (!ok) logger.warn({ seq: job.seq, kind: job.event.kind, type: job.event.type, target: job.target, attempt: job.attempts + 1, error }, 'job failed');
      hooks.onJob?.(job, ok, ms, error);
    },
  });
  let stopping = false;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    while (!stopping) {
      let busy = false;
      const started = performance.now();
      try {
        const r = await drainOnce(reader, store, config.worker.batchSize, targetNames);
        if (r.deliveries > 0) {
          busy = true;
          hooks.onDrain?.(r.deliveries, r.inserted, r.duplicates, performance.now() - started, r.byKind);
        }
        if (targetNames.length > 0 && (await runner.tick()) > 0) busy = true;
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
  logger.info({ targets: targetNames }, 'worker started');
  return {
    store,
    stop: async () => {
      stopping = true;
      (wake as (() => void) | null)?.();
      await loop;
      await runner.idle();
      await store.close();
      await reader.close();
    },
  };
}
