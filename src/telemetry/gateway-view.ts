import type { EdgeReport } from './edge-report.js';
import type { TelemetryHub } from './hub.js';
import { cumulativeOnly, mergeMetrics } from './merge-metrics.js';
import { EDGE_ONLY } from './metrics.js';
import type { EdgeProcessFigures, LiveTraffic, MetricJson } from './source.js';

/** What the primary sends every receiving process about once a second: the whole gateway's figures. */
export interface GatewayView {
  readonly t: 'wahook:gateway-view';
  /** Counts the primary's merges: a later view has a higher number. */
  readonly seq: number;
  /** Every process's metrics merged, without the store's gauges (the answering process adds its own reading). */
  readonly metrics: readonly MetricJson[];
  readonly live: LiveTraffic;
}

export function isGatewayView(m: unknown): m is GatewayView {
  return typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'wahook:gateway-view';
}

/** A receiving process asks the primary for the gateway's figures as they are now (to answer a scrape). */
export interface ViewRequest {
  readonly t: 'wahook:view-request';
  readonly id: number;
}

export interface ViewAnswer {
  readonly t: 'wahook:view-answer';
  readonly id: number;
  readonly view: GatewayView;
}

export function isViewRequest(m: unknown): m is ViewRequest {
  return typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'wahook:view-request';
}

export function isViewAnswer(m: unknown): m is ViewAnswer {
  return typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'wahook:view-answer';
}

interface Reporter extends EdgeProcessFigures {
  readonly metrics: readonly MetricJson[];
}

/**
 * The primary's side of `serve --processes N`. Each receiving process
 * reports its metrics (counters since it started) and its new seconds of
 * traffic; the seconds go into the primary's own recorder, which thus rolls
 * up the minutes of the whole gateway (its CPU the primary's, worker
 * included, plus what every receiving process reported), and the metrics are
 * kept as the latest report per process. A process that exits leaves its
 * counters and histograms in the totals, so they count since the gateway
 * started and never go backwards; its replacement starts from zero beside
 * them.
 */
export class GatewayTelemetry {
  private readonly reporters = new Map<number, Reporter>();
  /** Counters and histograms of processes that have exited, merged. */
  private retired: MetricJson[] = [];
  /** Ids retired already: a report still on its way from one adds its traffic, but must not bring its counters back (they would count twice). */
  private readonly gone = new Set<number>();
  private merges = 0;

  constructor(private readonly hub: TelemetryHub) {}

  /** A report from the receiving process `id` (cluster worker id: a restarted process has a new one). */
  absorb(id: number, r: EdgeReport): void {
    const recorder = this.hub.recorder;
    recorder.absorb(r.seconds);
    recorder.addCpu(r.cpuMs);
    recorder.logged(r.logBytes);
    if (this.gone.has(id)) return;
    const prev = this.reporters.get(id);
    let stored = prev?.stored ?? 0;
    let rejected = prev?.rejected ?? 0;
    for (const s of r.seconds) {
      stored += s.deliveries;
      rejected += s.rejected;
    }
    this.reporters.set(id, { pid: r.pid, stored, rejected, metrics: r.metrics });
  }

  /** The process `id` has exited: what it last reported stays in the totals. */
  retire(id: number): void {
    this.gone.add(id);
    const last = this.reporters.get(id);
    if (last === undefined) return;
    this.reporters.delete(id);
    this.retired = cumulativeOnly(mergeMetrics([this.retired, cumulativeOnly(last.metrics)]));
  }

  async view(now: number): Promise<GatewayView> {
    // The primary's own: the worker's events and jobs, and its process figures.
    const own = await this.hub.metricsJson(EDGE_ONLY);
    const reporters = [...this.reporters.values()];
    const metrics = mergeMetrics([this.retired, ...reporters.map((r) => r.metrics), own]);
    // A second is whole once every process has reported it: the last one may still be on its way.
    const live = this.hub.recorder.live(now - 1000);
    return { t: 'wahook:gateway-view', seq: ++this.merges, metrics, live: { ...live, processes: reporters.map(({ pid, stored, rejected }) => ({ pid, stored, rejected })) } };
  }
}
