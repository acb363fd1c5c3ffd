import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Counter } from 'prom-client';
import type { MinuteRollup } from '../ports/admin-data.js';
import type { EdgeObservation, Telemetry, WorkerObservation } from '../ports/telemetry.js';
import { createMetrics, type Metrics } from './metrics.js';
import { TrafficRecorder } from './recorder.js';

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Everything `serve` measures, in one place: Prometheus metrics, the live
 * per-second view and the per-minute rollups handed to `persist` (the
 * telemetry store) as each minute closes.
 */
export class TelemetryHub implements Telemetry {
  readonly metrics: Metrics = createMetrics(() => this.countsIntoMetrics());
  private storedSinceRead = 0;
  private duplicatesSinceRead = 0;
  readonly recorder = new TrafficRecorder(Date.now(), cpuMs());
  private readonly requestCounters = new Map<string, Counter.Internal>();
  private readonly lag = monitorEventLoopDelay({ resolution: 10 });
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly persist: (r: MinuteRollup) => void) {
    this.lag.enable();
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  tick(now = Date.now()): void {
    const r = this.recorder.tick(now, cpuMs());
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
}
