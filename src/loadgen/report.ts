import type { DriveResult, Histogram } from './drive.js';
import type { Traffic } from './traffic.js';
import type { VerifyResult } from './verify.js';

/** The `--json` object of `wahook bench`. */
export interface BenchSummary {
  readonly mode: string;
  readonly sent: number;
  /** 2xx answers: deliveries the receiver acknowledged. */
  readonly ok: number;
  /** Everything else that was sent: other statuses and requests with no answer. */
  readonly errors: number;
  readonly byStatus: Record<string, number>;
  readonly offeredRps: number;
  readonly achievedRps: number;
  readonly durationMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** Distinct deliveries, and how many requests deliberately re-sent one, right away or later (`--duplicates`). */
  readonly deliveries: number;
  readonly duplicatesSent: number;
  /** Requests sent again because an attempt was answered other than 2xx, or not at all. */
  readonly retriesSent: number;
  /** Requests that no attempt, retries included, got a 2xx for. */
  readonly failedAfterRetries: number;
  readonly lost?: number;
  readonly duplicated?: number;
  readonly verify?: VerifyResult;
}

/** A percentile is its bucket's upper bound, which can lie past the exact maximum: it is capped there. */
export const percentileMs = (h: Histogram, p: number): number => Number((Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000).toFixed(3));

function distinct(sends: Uint32Array): number {
  return new Set(sends).size;
}

export function summarise(run: DriveResult, traffic: Pick<Traffic, 'sends'>, verify?: VerifyResult): BenchSummary {
  const h = run.all;
  const deliveries = distinct(traffic.sends.subarray(0, run.planned));
  return {
    mode: run.schedule.mode,
    sent: run.sent,
    ok: run.ok,
    errors: run.sent - run.ok,
    byStatus: run.byStatus,
    offeredRps: Math.round((run.schedule.count * 1000) / run.schedule.spanMs),
    achievedRps: Math.round((run.sent * 1000) / run.durationMs),
    durationMs: Math.round(run.durationMs),
    p50Ms: percentileMs(h, 50),
    p90Ms: percentileMs(h, 90),
    p99Ms: percentileMs(h, 99),
    p999Ms: percentileMs(h, 99.9),
    maxMs: Number((h.maxValue / 1000).toFixed(3)),
    deliveries,
    duplicatesSent: run.planned - deliveries,
    retriesSent: run.retries,
    failedAfterRetries: run.failed,
    ...(verify ? { lost: verify.lost, duplicated: verify.duplicated, verify } : {}),
  };
}

/** The human-readable report. */
export function renderSummary(s: BenchSummary): string {
  const statuses = Object.entries(s.byStatus).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(', ');
  const lines = [
    `wahook bench (${s.mode}): ${s.sent} requests (${s.deliveries} deliveries, ${s.duplicatesSent} duplicates, ${s.retriesSent} retries) in ${(s.durationMs / 1000).toFixed(2)} s`,
    `  offered ${s.offeredRps} req/s, achieved ${s.achievedRps} req/s`,
    `  ok ${s.ok}, errors ${s.errors}   by status: ${statuses || 'none'}`,
    `  retries: ${s.retriesSent} re-sends of requests answered other than 2xx or not at all; ${s.failedAfterRetries} requests never acknowledged`,
    `  latency from the intended send time (ms): p50 ${s.p50Ms}  p90 ${s.p90Ms}  p99 ${s.p99Ms}  p99.9 ${s.p999Ms}  max ${s.maxMs}`,
  ];
  if (s.verify) {
    const v = s.verify;
    lines.push(`  verify: ${v.expected} events expected from acknowledged deliveries, ${v.found} found; lost ${v.lost}, duplicated ${v.duplicated}${v.caughtUp ? '' : ' (the worker had not caught up when verify gave up waiting)'}`);
  }
  return `${lines.join('\n')}\n`;
}
