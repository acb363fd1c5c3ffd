import type { MinuteRollup } from '../ports/admin-data.js';
import type { EdgeObservation } from '../ports/telemetry.js';
import { LatencyHistogram } from './latency-histogram.js';

const MINUTE = 60_000;

interface MinuteAcc {
  minute: number;
  deliveries: number;
  events: number;
  bytesIn: number;
  duplicates: number;
  rejected: number;
  logBytes: number;
  latency: LatencyHistogram;
  perSecond: Map<number, number>;
  cpuStartMs: number;
  /** When the CPU reading started: the previous close, or the recorder's creation. */
  openedAt: number;
}

/**
 * Turns what the edge and worker observe into per-second and per-minute
 * figures: the live view for the dashboard and the rollups the cost planner
 * reads. Clock and CPU readings are passed in, so it is deterministic in tests.
 */
export class TrafficRecorder {
  private acc: MinuteAcc;
  private readonly seconds = new Map<number, { deliveries: number; latency: LatencyHistogram }>();

  constructor(now: number, cpuMs: number) {
    this.acc = this.fresh(now, cpuMs);
  }

  private fresh(now: number, cpuMs: number): MinuteAcc {
    return { minute: Math.floor(now / MINUTE) * MINUTE, deliveries: 0, events: 0, bytesIn: 0, duplicates: 0, rejected: 0, logBytes: 0, latency: new LatencyHistogram(), perSecond: new Map(), cpuStartMs: cpuMs, openedAt: now };
  }

  /** Only stored deliveries count as traffic; rejections are counted apart. */
  edge(o: EdgeObservation, now: number): void {
    if (o.route !== 'webhook') return;
    if (o.status !== 200) {
      this.acc.rejected++;
      return;
    }
    const sec = Math.floor(now / 1000);
    this.acc.deliveries++;
    this.acc.bytesIn += o.bytes;
    if (o.duplicate) this.acc.duplicates++;
    this.acc.latency.record(o.ms);
    this.acc.perSecond.set(sec, (this.acc.perSecond.get(sec) ?? 0) + 1);
    let s = this.seconds.get(sec);
    if (s === undefined) {
      s = { deliveries: 0, latency: new LatencyHistogram() };
      this.seconds.set(sec, s);
    }
    s.deliveries++;
    s.latency.record(o.ms);
  }

  events(n: number): void {
    this.acc.events += n;
  }

  logged(bytes: number): void {
    this.acc.logBytes += bytes;
  }

  /**
   * Closes the minute when it is over and returns its rollup, or null while it
   * runs. Idle minutes are returned too: the CPU a process spends with no
   * traffic is what lets the planner tell its baseline from the cost of a
   * delivery. Call about once a second.
   */
  tick(now: number, cpuMs: number): MinuteRollup | null {
    for (const sec of this.seconds.keys()) if (sec < Math.floor(now / 1000) - 120) this.seconds.delete(sec);
    if (now < this.acc.minute + MINUTE) return null;
    return this.close(now, cpuMs);
  }

  /** Closes the current minute early (shutdown), its CPU reading covering only the time it ran. */
  flush(now: number, cpuMs: number): MinuteRollup {
    return this.close(now, cpuMs);
  }

  private close(now: number, cpuMs: number): MinuteRollup {
    const a = this.acc;
    this.acc = this.fresh(now, cpuMs);
    const spent = Math.max(0, cpuMs - a.cpuStartMs);
    return {
      minute: a.minute,
      deliveries: a.deliveries,
      events: a.events,
      bytesIn: a.bytesIn,
      duplicates: a.duplicates,
      rejected: a.rejected,
      p50Ms: a.latency.percentile(0.5),
      p99Ms: a.latency.percentile(0.99),
      cpuMsPerDelivery: a.deliveries > 0 ? spent / a.deliveries : 0,
      cpuMs: spent,
      sampledMs: Math.max(0, now - a.openedAt),
      peakRps: Math.max(0, ...a.perSecond.values()),
      logBytes: a.logBytes,
    };
  }

  /** The last `n` whole seconds: deliveries per second and time-to-200 over them. */
  live(now: number, n = 60): { throughput: number[]; p50Ms: number; p99Ms: number } {
    const end = Math.floor(now / 1000);
    const merged = new LatencyHistogram();
    const throughput: number[] = [];
    for (let sec = end - n; sec < end; sec++) {
      const s = this.seconds.get(sec);
      throughput.push(s?.deliveries ?? 0);
      if (s) merged.merge(s.latency);
    }
    return { throughput, p50Ms: merged.percentile(0.5), p99Ms: merged.percentile(0.99) };
  }
}
