import type { JobTargetSpec } from '../core/job-routing.js';
import type { Config } from '../config/load.js';
import { forwardEvent } from './forward.js';
import { handlerFor, loadHandlers } from './handlers.js';
import type { JobTarget } from './jobs.js';
import { MEDIA_TARGET_SPEC } from './media/spec.js';

export interface Targets {
  readonly specs: readonly JobTargetSpec[];
  readonly run: Readonly<Record<string, JobTarget>>;
}

/** The job targets the config asks for; handlers and forwarding take every event, media only media messages. */
export function targetSpecs(config: Config): JobTargetSpec[] {
  return [
    ...(config.handlers !== undefined ? [{ name: 'handler' }] : []),
    ...(config.forwardUrl !== undefined && config.forwardSecret !== undefined ? [{ name: 'forward' }] : []),
    ...(config.media.enabled ? [MEDIA_TARGET_SPEC] : []),
  ];
}

export async function buildTargets(config: Config): Promise<Targets> {
  const run: Record<string, JobTarget> = {};
  if (config.handlers !== undefined) {
    const handlers = await loadHandlers(config.handlers);
    run.handler = async (job, signal) => {
      const fn = handlerFor(handlers, job.event);
      if (fn) await fn(job.event, { key: job.event.key, attempt: job.attempts + 1, signal });
    };
  }
  if (config.forwardUrl !== undefined && config.forwardSecret !== undefined) {
    const { forwardUrl, forwardSecret } = config;
    // Never longer than the job's own limit: a POST the runner gave up on would still arrive, maybe after the next event's.
    const timeoutMs = Math.min(config.forwardTimeoutMs, config.worker.handlerTimeoutMs);
    run.forward = (job, signal) => forwardEvent(forwardUrl, forwardSecret, job.event, timeoutMs, Math.floor(Date.now() / 1000), signal);
  }
  return { specs: targetSpecs(config), run };
}
