import type { DeliveryLog, EdgeCounters } from '../ports/delivery-log.js';
import type { EventQuery, EventStats } from '../ports/event-query.js';
import type { JobCounts, JobQueue } from '../ports/job-queue.js';

export interface Stats {
  received: number;
  stored: number;
  duplicates: number;
  rejected: EdgeCounters['rejected'];
  events: number;
  eventsByKind: Record<string, number>;
  eventDuplicates: number;
  queueDepth: number;
  oldestPendingAgeMs: number;
  deadLetters: number;
  jobsPending: number;
}

export interface PipelineState {
  readonly events: EventStats;
  readonly jobs: JobCounts;
  /** Stored deliveries the worker has not taken yet. */
  readonly queueDepth: number;
  readonly oldestPendingAgeMs: number;
}

/** The pipeline's state and the backlog behind the worker's checkpoint: what the CLI, dashboard and metrics report. */
export async function pipelineState(log: DeliveryLog, query: EventQuery, jobs: JobQueue, now: number): Promise<PipelineState> {
  const events = await query.stats();
  const backlog = await log.backlog(events.checkpoint);
  return { events, jobs: await jobs.counts(), queueDepth: backlog?.count ?? 0, oldestPendingAgeMs: backlog?.oldestReceivedAt != null ? Math.max(0, now - backlog.oldestReceivedAt) : 0 };
}

/** Edge counters plus pipeline state; readable while `serve` runs. */
export async function collectStats(log: DeliveryLog, query: EventQuery, jobs: JobQueue, now: number): Promise<Stats> {
  const edge = await log.edgeCounters();
  const s = await pipelineState(log, query, jobs, now);
  return {
    received: edge.received,
    stored: edge.stored,
    duplicates: edge.duplicates,
    rejected: edge.rejected,
    events: s.events.events,
    eventsByKind: s.events.eventsByKind,
    eventDuplicates: s.events.duplicates,
    queueDepth: s.queueDepth,
    oldestPendingAgeMs: s.oldestPendingAgeMs,
    deadLetters: s.jobs.dead,
    jobsPending: s.jobs.pending,
  };
}
