import type { WahookEvent } from '../core/events.js';
import type { DeadLetter } from './job-queue.js';
import type { MediaCounts, MediaState } from './media-index.js';

/** One minute of measured traffic, kept 35 days for the cost planner and the dashboard. */
export interface MinuteRollup {
  /** Start of the minute, ms since the epoch. */
  readonly minute: number;
  readonly deliveries: number;
  readonly events: number;
  readonly bytesIn: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** Time to 200, measured in process. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Process CPU ms per delivery in that minute: the whole minute's CPU over its deliveries, so it includes the idle baseline. */
  readonly cpuMsPerDelivery: number;
  /** Process CPU ms spent over `sampledMs`, with or without deliveries (the cost planner separates baseline from per-delivery cost with it). */
  readonly cpuMs: number;
  /** Wall-clock ms the CPU reading covers: about a minute, less for the minute a process started or stopped in. */
  readonly sampledMs: number;
  /** Highest one-second delivery rate seen in the minute. */
  readonly peakRps: number;
  /** Bytes wahook itself logged in the minute (what a Lambda would send to CloudWatch besides platform lines). */
  readonly logBytes: number;
}

/** A live snapshot for the dashboard (cheap: served every couple of seconds). */
export interface LiveSnapshot {
  readonly now: number;
  /** Deliveries per second over the last 60 one-second buckets, oldest first. */
  readonly throughput: readonly number[];
  /** Time-to-200 over the last 60 seconds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly queueDepth: number;
  readonly oldestPendingAgeMs: number;
  readonly received: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly deadLetters: number;
  readonly events: number;
  readonly eventsByKind: Readonly<Record<string, number>>;
  /** The receiving processes the throughput and time-to-200 cover, with what each stored and refused since it started (a fake may leave it out). */
  readonly processes?: readonly { readonly pid: number; readonly stored: number; readonly rejected: number }[];
}

/** One media item as the dashboard lists it. */
export interface MediaRow {
  readonly tenant: string;
  readonly messageId: string;
  readonly kind: string;
  readonly state: MediaState;
  readonly mimeType: string | null;
  readonly bytes: number | null;
  /** The last attempt's, also while the item is retried. */
  readonly error: string | null;
  readonly attempts: number;
  readonly updatedAt: number;
}

/** The media pipeline at a glance: items per state and the latest items. */
export interface MediaPanel {
  /** False when media is off (or the engine keeps no media state), so the panel says so rather than show zeros. */
  readonly enabled: boolean;
  readonly counts: MediaCounts;
  /** Most recently updated first. */
  readonly items: readonly MediaRow[];
}

/** What the dashboard and admin API read; implemented over the stores and telemetry. */
export interface AdminData {
  live(): Promise<LiveSnapshot>;
  rollups(sinceMs: number): Promise<MinuteRollup[]>;
  latestEvents(limit: number): Promise<WahookEvent[]>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
  media(limit: number): Promise<MediaPanel>;
  /** The cost report for the measured traffic (the planner's CostReport JSON) plus its SVG chart. */
  cost(): Promise<{ report: unknown; svg: string }>;
  /** Prometheus text exposition. */
  metrics(): Promise<string>;
}
