/**
 * When a measurement is good enough to replace a default. A figure priced
 * from too little traffic is worse than a stated default: it looks measured
 * and moves with the noise. Each rule below says why it is there.
 */
import { count } from './format.js';
import type { MeasuredTraffic, MeasurementSummary } from './types.js';

/** Two-sided 95% quantile of the normal distribution. */
export const Z95 = 1.96;

export const EVIDENCE = {
  /** Minutes with a CPU reading: a baseline and a slope from a handful of points fit anything. */
  minCpuMinutes: 30,
  /** Of them, minutes with deliveries: the slope needs the delivery rate to vary. */
  minBusyMinutes: 10,
  /** Deliveries behind any per-delivery figure, so a start-up's CPU or log lines are spread thin. */
  minDeliveries: 1000,
  /** The CPU slope's 95% half-range as a share of the slope. */
  maxCpuRelativeError: 0.25,
  /** A day holds the daily cycle; less says nothing about a month's volume or its peak-to-average ratio. */
  minWindowMinutesForMonth: 1440,
} as const;

const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`;

/** Whether the CPU fit may replace the benchmarked default, and why. */
function judgeCpu(m: MeasuredTraffic): MeasurementSummary['cpu'] {
  const fit = m.cpu ?? null;
  const no = (reason: string): MeasurementSummary['cpu'] => ({ used: false, reason, fit });
  if (fit === null) return no('the minutes measured cannot separate the idle baseline from the cost of a delivery (too few minutes with a CPU reading, or all at one rate)');
  if (fit.minutes < EVIDENCE.minCpuMinutes) return no(`only ${plural(fit.minutes, 'minute')} of CPU readings (needs ${EVIDENCE.minCpuMinutes})`);
  if (fit.busyMinutes < EVIDENCE.minBusyMinutes) return no(`only ${plural(fit.busyMinutes, 'minute')} with deliveries (needs ${EVIDENCE.minBusyMinutes})`);
  if (fit.deliveries < EVIDENCE.minDeliveries) return no(`only ${plural(fit.deliveries, 'delivery', 'deliveries')} measured (needs ${count(EVIDENCE.minDeliveries)})`);
  if (!(fit.perDeliveryMs > 0)) return no('the fitted CPU per delivery is not above zero');
  const relative = (Z95 * fit.perDeliveryMsSe) / fit.perDeliveryMs;
  if (!(relative <= EVIDENCE.maxCpuRelativeError)) {
    return no(`the fit is too uncertain: ±${(relative * 100).toFixed(0)}% at 95% (needs ±${EVIDENCE.maxCpuRelativeError * 100}% or less)`);
  }
  return {
    used: true,
    reason: `slope of CPU time against deliveries over ${plural(fit.minutes, 'minute')} (${count(fit.busyMinutes)} with deliveries, ${count(fit.deliveries)} deliveries), ±${(relative * 100).toFixed(0)}% at 95%`,
    fit,
  };
}

/**
 * Sums up a measurement for the report and applies the rules above.
 * @example
 * summarise(measured)?.cpu.used; // false after one delivery
 */
export function summarise(m: MeasuredTraffic | null): MeasurementSummary | null {
  if (m === null) return null;
  const enough = m.deliveries >= EVIDENCE.minDeliveries;
  return {
    windowMinutes: m.windowMinutes,
    deliveries: m.deliveries,
    busyMinutes: m.busyMinutes ?? m.windowMinutes,
    extrapolated: m.windowMinutes < EVIDENCE.minWindowMinutesForMonth,
    cpu: judgeCpu(m),
    perDelivery: enough
      ? { used: true, reason: `averaged over ${count(m.deliveries)} deliveries` }
      : { used: false, reason: `only ${plural(m.deliveries, 'delivery', 'deliveries')} measured (needs ${count(EVIDENCE.minDeliveries)})` },
  };
}

/**
 * 95% range of a Poisson count (Wilson-Hilferty), the counting noise of a
 * measured volume. It says nothing of how typical the window was.
 * @example
 * poissonRange(100); // [81.4, 121.6]
 */
export function poissonRange(n: number): [number, number] {
  const lo = n === 0 ? 0 : n * (1 - 1 / (9 * n) - Z95 / (3 * Math.sqrt(n))) ** 3;
  const m = n + 1;
  const hi = m * (1 - 1 / (9 * m) + Z95 / (3 * Math.sqrt(m))) ** 3;
  return [Math.max(0, lo), hi];
}
