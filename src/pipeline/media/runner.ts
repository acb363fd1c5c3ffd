import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/load.js';
import type { WahookEvent } from '../../core/events.js';
import type { JobTargetSpec } from '../../core/job-routing.js';
import { hostRules } from '../../core/media/host-rules.js';
import type { MediaRef } from '../../core/media/reference.js';
import type { EventStore } from '../../ports/event-store.js';
import type { Job, JobQueue } from '../../ports/job-queue.js';
import type { MediaIndex } from '../../ports/media-index.js';
import type { MediaStorage } from '../../ports/media-storage.js';
import { JobRunner, leaseFor } from '../jobs.js';
import { fetchCloudMedia } from './cloud-api.js';
import type { FetchContext, Fetched } from './fetch-context.js';
import { MediaHttp, type LookupFn } from './http.js';
import { mediaJob } from './media-job.js';
import { MEDIA_TARGET } from './spec.js';
import { sweepStaging } from './stage.js';
import { fetchWasenderMedia } from './wasender.js';

/** Where media is kept: its state, and the objects. */
export interface MediaStores {
  readonly index: MediaIndex;
  readonly storage: MediaStorage;
}

export interface MediaRunnerDeps {
  readonly jobs: JobQueue;
  readonly events: EventStore;
  readonly media: MediaStores;
  /** The targets that hear of `media.ready` and `media.failed`. */
  readonly announceTo: readonly JobTargetSpec[];
}

export interface MediaRunnerOptions {
  readonly onJob?: (job: Job, ok: boolean, ms: number, error?: string) => void;
  /** Name resolution for downloads; tests point names at local servers with it. */
  readonly lookup?: LookupFn;
  /** After a download of `ms`, how long its slot rests before the next (see EdgeActivity). */
  readonly pace?: (ms: number) => number;
}

export interface RunningMedia {
  /** Finishes the downloads already started. */
  stop(): Promise<void>;
}

/** Past the attempt's own deadline, so a download's own timeout (with its clear reason) always fires first. */
const RUNNER_GRACE_MS = 5_000;

export function mediaStagingDir(config: Config): string {
  return resolve(config.dataDir, 'media-staging');
}

/**
 * Runs media jobs with slots of their own (media.concurrency), apart from
 * the handlers' runner, and in a loop of its own: a slow download never
 * takes a handler's slot or holds the worker's drain. The loop claims as
 * slots free up and sleeps only when there is nothing to start.
 */
export function startMediaRunner(config: Config, deps: MediaRunnerDeps, logger: Logger, opts: MediaRunnerOptions = {}): RunningMedia {
  const m = config.media;
  const http = new MediaHttp({ connectTimeoutMs: m.connectTimeoutMs, readTimeoutMs: m.readTimeoutMs, ...(opts.lookup ? { lookup: opts.lookup } : {}) });
  const hosts = hostRules(m.hosts);
  const stagingDir = mediaStagingDir(config);
  const fetch = (ref: MediaRef, e: WahookEvent, signal: AbortSignal): Promise<Fetched> => {
    const ctx: FetchContext = { http, hosts, maxBytes: m.maxBytes, stagingDir, signal, now: Date.now };
    const tenant = config.tenants[e.tenant];
    return ref.provider === 'cloud_api'
      ? fetchCloudMedia(ref, e.tenant, tenant, ctx)
      : fetchWasenderMedia(ref, e.messageId ?? '', tenant, { cdnUrl: m.whatsappCdnUrl, ...(m.wasenderDecryptUrl ? { decryptUrl: m.wasenderDecryptUrl } : {}) }, ctx);
  };
  let wake: (() => void) | null = null;
  let resting = 0;
  const timeoutMs = m.timeoutMs + RUNNER_GRACE_MS;
  const runner = new JobRunner(
    deps.jobs,
    { [MEDIA_TARGET]: mediaJob({ ...deps.media, events: deps.events, announceTo: deps.announceTo, fetch, maxAttempts: m.maxAttempts, timeoutMs: m.timeoutMs, now: Date.now }) },
    {
      concurrency: m.concurrency,
      maxAttempts: m.maxAttempts,
      backoffBaseMs: config.worker.backoffBaseMs,
      backoffMaxMs: config.worker.backoffMaxMs,
      timeoutMs,
      leaseMs: leaseFor(timeoutMs),
      scope: { only: [MEDIA_TARGET] },
      onQueueError: (e) => logger.error({ err: e }, 'media job state not saved; it will run again'),
      onResult: (job, ok, ms, error) => {
        if (!ok) logger.warn({ seq: job.seq, messageId: job.event.messageId, attempt: job.attempts + 1, error }, 'media job failed');
        opts.onJob?.(job, ok, ms, error);
        // While the edge takes webhooks the slot rests as long as it worked: a download's disk writes and
        // syncs share the disk with the edge's commits, as the drain's do.
        const rest = opts.pace?.(ms) ?? 0;
        if (rest > 0) {
          resting++;
          setTimeout(() => {
            resting--;
            wake?.();
          }, rest).unref();
        }
        // A free slot: claim the next download now rather than at the next poll (once the runner has let go of this one).
        setImmediate(() => wake?.());
      },
    },
  );
  let stopping = false;
  const loop = (async () => {
    await sweepStaging(stagingDir, 2 * timeoutMs, Date.now()).catch((e: unknown) => logger.warn({ err: e }, 'media staging files not swept'));
    while (!stopping) {
      let started = 0;
      try {
        const free = m.concurrency - runner.active - resting;
        if (free > 0) started = await runner.tick(free);
      } catch (e) {
        logger.error({ err: e }, 'media step failed; retrying');
      }
      if (started === 0 && !stopping) await new Promise<void>((r) => { wake = r; setTimeout(r, config.worker.pollMs); });
      else await new Promise<void>((r) => setImmediate(r));
      wake = null;
    }
  })();
  logger.info({ concurrency: m.concurrency, storage: deps.media.storage.root }, 'media runner started');
  return {
    stop: async () => {
      stopping = true;
      wake?.();
      await loop;
      await runner.idle();
      http.close();
    },
  };
}
