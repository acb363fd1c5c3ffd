import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { Retention, RetentionKind } from '../ports/retention.js';

const DAY_MS = 86_400_000;
/** Rows per delete: a few milliseconds of lock, whatever the engine. */
export const RETENTION_BATCH = 500;

/** Age limits in days per kind; 0 keeps that kind forever. */
export type RetentionPolicy = Readonly<Record<RetentionKind, number>>;

export function retentionPolicy(config: Config): RetentionPolicy {
  return { deliveries: config.retention.deliveriesDays, events: config.retention.eventsDays, rollups: config.telemetryRetentionDays };
}

export interface SweepOptions {
  readonly batch?: number;
  /** Checked between batches: a stopping worker does not wait for a long sweep. */
  readonly stopped?: () => boolean;
  /** Pause between batches, so the edge's and the worker's own writes get the locks in between. */
  readonly restMs?: number;
}

/** Deletes everything past retention, one batch at a time; returns how many rows of each kind went. */
export async function sweepRetention(r: Retention, policy: RetentionPolicy, now: number, o: SweepOptions = {}): Promise<Record<RetentionKind, number>> {
  const batch = o.batch ?? RETENTION_BATCH;
  const deleted: Record<RetentionKind, number> = { deliveries: 0, events: 0, rollups: 0 };
  for (const kind of Object.keys(deleted) as RetentionKind[]) {
    const days = policy[kind];
    if (days <= 0) continue;
    for (;;) {
      if (o.stopped?.()) return deleted;
      const n = await r.prune(kind, now - days * DAY_MS, batch);
      deleted[kind] += n;
      if (n < batch) break;
      await new Promise((resolve) => (o.restMs ? setTimeout(resolve, o.restMs) : setImmediate(resolve)));
    }
  }
  return deleted;
}

/** Runs a sweep every `config.retention.intervalMs`, the first one interval after the start. */
export function startRetention(config: Config, r: Retention, logger: Logger): { stop(): Promise<void> } {
  const policy = retentionPolicy(config);
  let stopping = false;
  let sweeping: Promise<void> | null = null;
  const timer = setInterval(() => {
    // A sweep still running (a large first one) is not started twice.
    if (sweeping !== null || stopping) return;
    sweeping = sweepRetention(r, policy, Date.now(), { stopped: () => stopping, restMs: 10 })
      .then(
        (d) => {
          if (d.deliveries + d.events + d.rollups > 0) logger.info({ deleted: d }, 'retention: deleted what is past its age');
        },
        (e: unknown) => logger.warn({ err: e }, 'retention sweep failed; it runs again at the next interval'),
      )
      .finally(() => {
        sweeping = null;
      });
  }, config.retention.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopping = true;
      clearInterval(timer);
      await sweeping;
    },
  };
}
