import type { MinuteRollup } from '../ports/admin-data.js';
import type { EdgeObservation } from '../ports/telemetry.js';
import { LatencyHistogram } from './latency-histogram.js';

const MINUTE = 60_000;
/** Seconds kept for the live view (and for reports not yet sent). */
const KEEP_SECONDS = 120;

interface SecondStats {
  deliveries: number;
  bytesIn: number;
  duplicates: number;
  rejected: number;
  latency: LatencyHistogram;
}

/** One second of a receiving process's webhook traffic, as it travels to the process that merges them. */
export interface SecondReport {
  /** Seconds since the epoch. */
  readonly sec: number;
  readonly deliveries: number;
  readonly bytesIn: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** Time-to-200 buckets, as LatencyHistogram.entries() gives them. */
  readonly latency: readonly number[];
}

interface MinuteAcc {
  minute: number;
  events: number;
  logBytes: number;
  cpuStartMs: number;
  /** CPU that other processes reported spending in this minute (the receiving processes of a cluster). */
  reportedCpuMs: number;
  /** When the CPU reading started: the previous close, or the recorder's creation. */
  openedAt: number;
}

/**
 * Turns what the edge and worker observe into per-second and per-minute
 * figures: the live view for the dashboard and the rollups the cost planner
 * reads. Traffic is kept per second and a minute's rollup is summed from its
 * seconds, so the seconds other processes report (`absorb`) count exactly as
 * this process's own. Clock and CPU readings are passed in, so it is
 * deterministic in tests.
 */
export class TrafficRecorder {
  private acc: MinuteAcc;
  private readonly seconds = new Map<number, SecondStats>();
  /** Every second before this one is in a closed rollup already; later arrivals for them count in the open minute. */
  private countedFrom: number;
  /** Null until another process takes reports (a receiving process of a cluster); seconds are then kept until taken. */
  private reportedFrom: number | null = null;
  /** Since the recorder started: what the edge stored and what it refused. */
  readonly totals = { deliveries: 0, rejected: 0 };

  constructor(now: number, cpuMs: number) {
    this.acc = this.fresh(now, cpuMs);
    this.countedFrom = this.acc.minute / 1000;
  }

  private fresh(now: number, cpuMs: number): MinuteAcc {
    return { minute: Math.floor(now / MINUTE) * MINUTE, events: 0, logBytes: 0, cpuStartMs: cpuMs, reportedCpuMs: 0, openedAt: now };
  }

  private second(sec: number): SecondStats {
    const at = sec < this.countedFrom ? this.countedFrom : sec;
    let s = this.seconds.get(at);
    if (s === undefined) {
      s = { deliveries: 0, bytesIn: 0, duplicates: 0, rejected: 0, latency: new LatencyHistogram() };
      this.seconds.set(at, s);
    }
    return s;
  }

  /** Only stored deliveries count as traffic; rejections are counted apart. */
  edge(o: EdgeObservation, now: number): void {
    if (o.route !== 'webhook') return;
    const s = this.second(Math.floor(now / 1000));
    if (o.status !== 200) {
      s.rejected++;
      this.totals.rejected++;
      return;
    }
    s.deliveries++;
    s.bytesIn += o.bytes;
    if (o.duplicate) s.duplicates++;
    s.latency.record(o.ms);
    this.totals.deliveries++;
  }

  events(n: number): void {
    this.acc.events += n;
  }

  logged(bytes: number): void {
    this.acc.logBytes += bytes;
  }

  /** CPU another process spent on this recorder's traffic (a receiving process of the cluster). */
  addCpu(ms: number): void {
    if (ms > 0) this.acc.reportedCpuMs += ms;
  }

  /** Seconds another process recorded, added to this one's as if observed here. */
  absorb(reports: readonly SecondReport[]): void {
    for (const r of reports) {
      const s = this.second(r.sec);
      s.deliveries += r.deliveries;
      s.bytesIn += r.bytesIn;
      s.duplicates += r.duplicates;
      s.rejected += r.rejected;
      s.latency.addEntries(r.latency);
      this.totals.deliveries += r.deliveries;
      this.totals.rejected += r.rejected;
    }
  }

  /** The seconds not yet reported, up to (not including) `untilSec`, for another process to absorb. */
  takeReport(untilSec: number): SecondReport[] {
    const from = this.reportedFrom ?? -Infinity;
    const out: SecondReport[] = [];
    for (const [sec, s] of this.seconds) {
      if (sec < from || sec >= untilSec) continue;
      out.push({ sec, deliveries: s.deliveries, bytesIn: s.bytesIn, duplicates: s.duplicates, rejected: s.rejected, latency: s.latency.entries() });
    }
    this.reportedFrom = Math.max(from, untilSec);
    return out;
  }

  /**
   * Closes the minute when it is over and returns its rollup, or null while it
   * runs. Idle minutes are returned too: the CPU a process spends with no
   * traffic is what lets the planner tell its baseline from the cost of a
   * delivery. Call about once a second.
   */
  tick(now: number, cpuMs: number): MinuteRollup | null {
    const keepFrom = Math.min(this.countedFrom, this.reportedFrom ?? Infinity, Math.floor(now / 1000) - KEEP_SECONDS);
    for (const sec of this.seconds.keys()) if (sec < keepFrom) this.seconds.delete(sec);
    if (now < this.acc.minute + MINUTE) return null;
    return this.close(now, cpuMs, Math.floor(now / MINUTE) * (MINUTE / 1000));
  }

  /** Closes the current minute early (shutdown), its CPU reading covering only the time it ran. */
  flush(now: number, cpuMs: number): MinuteRollup {
    return this.close(now, cpuMs, Math.floor(now / 1000) + 1);
  }

  private close(now: number, cpuMs: number, endSec: number): MinuteRollup {
    const a = this.acc;
    let deliveries = 0, bytesIn = 0, duplicates = 0, rejected = 0, peakRps = 0;
    const latency = new LatencyHistogram();
    for (const [sec, s] of this.seconds) {
      if (sec < this.countedFrom || sec >= endSec) continue;
      deliveries += s.deliveries;
      bytesIn += s.bytesIn;
      duplicates += s.duplicates;
      rejected += s.rejected;
      if (s.deliveries > peakRps) peakRps = s.deliveries;
      latency.merge(s.latency);
    }
    this.countedFrom = endSec;
    this.acc = this.fresh(now, cpuMs);
    const spent = Math.max(0, cpuMs - a.cpuStartMs) + a.reportedCpuMs;
    return {
      minute: a.minute,
      deliveries,
      events: a.events,
      bytesIn,
      duplicates,
      rejected,
      p50Ms: latency.percentile(0.5),
      p99Ms: latency.percentile(0.99),
      cpuMsPerDelivery: deliveries > 0 ? spent / deliveries : 0,
      cpuMs: spent,
      sampledMs: Math.max(0, now - a.openedAt),
      peakRps,
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
