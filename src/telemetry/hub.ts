import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Counter } from 'prom-client';
import type { MinuteRollup } from '../ports/admin-data.js';
import type { EdgeObservation, Telemetry, WorkerObservation } from '../ports/telemetry.js';
import { createMetrics, STORE_GAUGES, type Metrics } from './metrics.js';
import { TrafficRecorder } from './recorder.js';
import type { LiveTraffic, MetricJson, StoreGauges, TelemetrySource } from './source.js';

/** CPU time this process has used, all its threads together, in ms. */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export interface HubOptions {
  /**
   * How long after a minute ends its rollup is closed. The primary of a
   * cluster waits for its receiving processes' reports of the minute's last
   * seconds; one process on its own closes at once.
   */
  readonly closeLagMs?: number;
}

/**
 * Everything `serve` measures, in one place: Prometheus metrics, the live
 * per-second view and the per-minute rollups handed to `persist` (the
 * telemetry store) as each minute closes.
 */
export class TelemetryHub implements Telemetry, TelemetrySource {
  readonly metrics: Metrics = createMetrics(() => this.countsIntoMetrics());
  private storedSinceRead = 0;
  private duplicatesSinceRead = 0;
  readonly recorder = new TrafficRecorder(Date.now(), cpuMs());
  /** Bytes logged since start, for a receiving process's reports. */
  loggedBytes = 0;
  private readonly requestCounters = new Map<string, Counter.Internal>();
  private readonly lag = monitorEventLoopDelay({ resolution: 10 });
  private timer: NodeJS.Timeout | null = null;
  private readonly closeLagMs: number;

  constructor(private readonly persist: (r: MinuteRollup) => void, options: HubOptions = {}) {
    this.closeLagMs = options.closeLagMs ?? 0;
    this.lag.enable();
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  tick(now = Date.now()): void {
    const r = this.recorder.tick(now - this.closeLagMs, cpuMs());
    if (r) this.persist(r);
    this.metrics.eventLoopLag.set(this.lag.percentile(99) / 1e9);
  }

  /** Closes the current minute early (shutdown) so its traffic is not lost. */
  flush(): void {
    this.persist(this.recorder.flush(Date.now(), cpuMs()));
    this.lag.disable();
    if (this.timer) clearInterval(this.timer);
  }

  edge(o: EdgeObservation): void {
    if (o.route === 'webhook' && o.status === 200) {
      // Every stored delivery passes here: plain numbers now, labels resolved once per read of the metrics.
      this.storedSinceRead++;
      if (o.duplicate) this.duplicatesSinceRead++;
      this.metrics.timeTo200.observe(o.ms / 1000);
    } else {
      const key = `${o.route}|${o.status}|${o.code ?? ''}`;
      let c = this.requestCounters.get(key);
      if (c === undefined) {
        c = this.metrics.requests.labels(o.route, String(o.status), o.code ?? '');
        this.requestCounters.set(key, c);
      }
      c.inc();
      if (o.code === 'WAHOOK_ERR_SIGNATURE_INVALID' || o.code === 'WAHOOK_ERR_SIGNATURE_MISSING') this.metrics.signatureFailures.inc();
    }
    this.recorder.edge(o, Date.now());
  }

  /** Adds the edge's plain counts to the Prometheus counters (called whenever they are read). */
  private countsIntoMetrics(): void {
    if (this.storedSinceRead > 0) this.metrics.requests.labels('webhook', '200', '').inc(this.storedSinceRead);
    if (this.duplicatesSinceRead > 0) this.metrics.duplicates.labels('edge').inc(this.duplicatesSinceRead);
    this.storedSinceRead = 0;
    this.duplicatesSinceRead = 0;
  }

  logged(bytes: number): void {
    this.loggedBytes += bytes;
    this.recorder.logged(bytes);
  }

  worker(m: WorkerObservation): void {
    if (m.t === 'drain') {
      for (const [kind, n] of Object.entries(m.byKind)) this.metrics.events.labels(kind).inc(n);
      if (m.duplicates > 0) this.metrics.duplicates.labels('pipeline').inc(m.duplicates);
      this.recorder.events(m.inserted);
    } else {
      this.metrics.handlerDuration.labels(m.target, m.ok ? 'ok' : 'failed').observe(m.ms / 1000);
      if (!m.ok) this.metrics.handlerFailures.labels(m.target).inc();
    }
  }

  private setStoreGauges(g: StoreGauges): void {
    this.metrics.queueDepth.set(g.queueDepth);
    this.metrics.oldestPendingAge.set(g.oldestPendingAgeSeconds);
    this.metrics.deadLetters.set(g.deadLetters);
    this.metrics.queueDeadLetters.set(g.queueDeadLetters);
  }

  exposition(store: StoreGauges): Promise<string> {
    this.setStoreGauges(store);
    return this.metrics.registry.metrics();
  }

  /** This process's measured metrics as data, without the `except` ones (the store's gauges, always). */
  async metricsJson(except: ReadonlySet<string> = new Set()): Promise<MetricJson[]> {
    const all = (await this.metrics.registry.getMetricsAsJSON()) as unknown as MetricJson[];
    return all.filter((m) => !STORE_GAUGES.has(m.name) && !except.has(m.name));
  }

  /** The store's gauges alone, as data, set to `store`. */
  async storeGaugesJson(store: StoreGauges): Promise<MetricJson[]> {
    this.setStoreGauges(store);
    const gauges = [...STORE_GAUGES].map((name) => this.metrics.registry.getSingleMetric(name)!.get());
    return (await Promise.all(gauges)) as unknown as MetricJson[];
  }

  liveTraffic(now: number): LiveTraffic {
    const { deliveries, rejected } = this.recorder.totals;
    return { ...this.recorder.live(now), processes: [{ pid: process.pid, stored: deliveries, rejected }] };
  }
}
