/**
 * What the admin side reads of the measured telemetry: one process's own
 * (TelemetryHub), or the whole gateway's when `serve --processes N` merges
 * every receiving process's figures (MergedTelemetry).
 */

/** A metric as prom-client's `getMetricsAsJSON()` gives it: plain data, so it can travel between processes. */
export interface MetricJson {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  readonly values: readonly { readonly value: number; readonly labels: Readonly<Record<string, string | number>>; readonly metricName?: string }[];
}

/** The gauges read from the stores, set by the process that answers. */
export interface StoreGauges {
  readonly queueDepth: number;
  readonly oldestPendingAgeSeconds: number;
  readonly deadLetters: number;
  /** Deliveries a Redis queue moved to its dead-letter stream (0 for other logs). */
  readonly queueDeadLetters: number;
}

/** One receiving process and what it has counted since it started. */
export interface EdgeProcessFigures {
  readonly pid: number;
  readonly stored: number;
  readonly rejected: number;
}

export interface LiveTraffic {
  /** Deliveries per second over the last 60 whole seconds, oldest first. */
  readonly throughput: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The receiving processes these figures cover. */
  readonly processes: readonly EdgeProcessFigures[];
}

export interface TelemetrySource {
  /** Prometheus text exposition of everything measured, with the store's gauges as given. */
  exposition(store: StoreGauges): Promise<string>;
  /**
   * How long an exposition may be answered again (SAMPLE_MAX_AGE_MS when absent). A process's own figures may:
   * a later answer is never lower. One of several processes answering for the gateway may not: another one's
   * answer may be newer, and a scraper that saw it would read the older one as a counter reset.
   */
  readonly expositionMaxAgeMs?: number;
  liveTraffic(now: number): LiveTraffic;
}
