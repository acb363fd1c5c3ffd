/**
 * What the edge and the worker report as they run. Kept as a port so the hot
 * path calls plain methods and the metrics engine (Prometheus, rollups) stays
 * outside the core.
 */
export interface EdgeObservation {
  readonly route: string;
  readonly status: number;
  readonly code?: string;
  /** Time from the first byte of the request to the response, in ms. */
  readonly ms: number;
  readonly bytes: number;
  readonly duplicate?: boolean;
}

export interface Telemetry {
  edge(o: EdgeObservation): void;
}

export const NO_TELEMETRY: Telemetry = { edge() {} };

/** What the worker reports as it runs (posted from its thread to the edge's telemetry). */
export type WorkerObservation =
  | { t: 'drain'; deliveries: number; inserted: number; duplicates: number; byKind: Record<string, number>; ms: number }
  | { t: 'job'; target: string; kind: string; ok: boolean; ms: number };
