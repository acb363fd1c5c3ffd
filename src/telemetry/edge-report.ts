import type { SecondReport } from './recorder.js';
import { cpuMs, type TelemetryHub } from './hub.js';
import type { MetricJson } from './source.js';

/** How often a receiving process reports to the primary, and the primary answers with the merged view. */
export const REPORT_INTERVAL_MS = 1000;

/** What a receiving process sends the primary about once a second. */
export interface EdgeReport {
  readonly t: 'wahook:edge-report';
  readonly pid: number;
  /** Its metrics as they stand (counters since it started). */
  readonly metrics: readonly MetricJson[];
  /** The whole seconds of traffic since its last report. */
  readonly seconds: readonly SecondReport[];
  /** CPU and log bytes since its last report. */
  readonly cpuMs: number;
  readonly logBytes: number;
}

export function isEdgeReport(m: unknown): m is EdgeReport {
  return typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'wahook:edge-report';
}

/**
 * Builds a receiving process's reports from its hub: its metrics, and the
 * seconds, CPU and log bytes the previous report did not carry yet.
 */
export class EdgeReporter {
  private lastCpuMs = cpuMs();
  private lastLogBytes: number;

  constructor(private readonly hub: TelemetryHub) {
    this.lastLogBytes = hub.loggedBytes;
  }

  /** `final` takes the running second too (the process is leaving). */
  async report(now: number, final = false): Promise<EdgeReport> {
    const metrics = await this.hub.metricsJson();
    const cpu = cpuMs();
    const seconds = this.hub.recorder.takeReport(Math.floor(now / 1000) + (final ? 1 : 0));
    const report: EdgeReport = { t: 'wahook:edge-report', pid: process.pid, metrics, seconds, cpuMs: cpu - this.lastCpuMs, logBytes: this.hub.loggedBytes - this.lastLogBytes };
    this.lastCpuMs = cpu;
    this.lastLogBytes = this.hub.loggedBytes;
    return report;
  }
}
