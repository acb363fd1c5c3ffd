import type { MinuteRollup } from '../ports/admin-data.js';
import type { CpuFit } from '../planner/index.js';

const MINUTE = 60_000;
/** Residuals beyond this many robust standard deviations are a start-up, a long GC or a backup, not traffic. */
const OUTLIER_SIGMAS = 5;
/** The outlier pass may drop at most this share of the minutes; more than that is not an outlier but the data. */
const MAX_OUTLIER_SHARE = 0.1;

interface Point {
  minutes: number;
  deliveries: number;
  cpuMs: number;
}

/**
 * Ordinary least squares of cpuMs on (minutes, deliveries) with no intercept:
 * the idle rate is per minute sampled, so a minute the process ran only part
 * of counts as that part. Null when the two regressors cannot be told apart
 * (every minute at the same rate) or there are too few minutes.
 */
function leastSquares(points: readonly Point[]): CpuFit | null {
  const n = points.length;
  if (n < 3) return null;
  let tt = 0, td = 0, dd = 0, ty = 0, dy = 0;
  for (const p of points) {
    tt += p.minutes * p.minutes;
    td += p.minutes * p.deliveries;
    dd += p.deliveries * p.deliveries;
    ty += p.minutes * p.cpuMs;
    dy += p.deliveries * p.cpuMs;
  }
  const det = tt * dd - td * td;
  // Relative to its scale, a vanishing determinant means the delivery rate never varied.
  if (!(det > 1e-9 * tt * dd)) return null;
  const idle = (dd * ty - td * dy) / det;
  const perDelivery = (tt * dy - td * ty) / det;
  let rss = 0;
  for (const p of points) rss += (p.cpuMs - idle * p.minutes - perDelivery * p.deliveries) ** 2;
  const s2 = rss / (n - 2);
  return {
    perDeliveryMs: perDelivery,
    perDeliveryMsSe: Math.sqrt((s2 * tt) / det),
    idleMsPerMinute: idle,
    idleMsPerMinuteSe: Math.sqrt((s2 * dd) / det),
    minutes: n,
    busyMinutes: points.filter((p) => p.deliveries > 0).length,
    deliveries: points.reduce((a, p) => a + p.deliveries, 0),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Separates a process's idle CPU from the CPU each delivery adds: the slope
 * of CPU time against deliveries over the measured minutes is the marginal
 * cost of a delivery, and the intercept (per minute) the baseline (timers,
 * the worker's polling, the telemetry itself). Dividing a minute's CPU by its
 * deliveries instead charges the baseline to whatever traffic the minute had.
 * Minutes far off the first fit are dropped once and the fit repeated.
 * Returns null when the minutes cannot separate the two.
 * @example
 * fitCpu(store.since(now - 35 * 86_400_000)); // { perDeliveryMs: 0.08, idleMsPerMinute: 310, ... }
 */
export function fitCpu(rollups: readonly MinuteRollup[]): CpuFit | null {
  const points: Point[] = rollups
    .filter((r) => r.sampledMs > 0 && Number.isFinite(r.cpuMs))
    .map((r) => ({ minutes: r.sampledMs / MINUTE, deliveries: r.deliveries, cpuMs: r.cpuMs }));
  const first = leastSquares(points);
  if (first === null) return null;
  const residuals = points.map((p) => p.cpuMs - first.idleMsPerMinute * p.minutes - first.perDeliveryMs * p.deliveries);
  // 1.4826 x the median absolute residual estimates the standard deviation without the outliers' pull.
  const sigma = 1.4826 * median(residuals.map(Math.abs));
  const kept = points.filter((_, i) => Math.abs(residuals[i]!) <= OUTLIER_SIGMAS * sigma);
  const dropped = points.length - kept.length;
  if (sigma === 0 || dropped === 0 || dropped > MAX_OUTLIER_SHARE * points.length) return first;
  return leastSquares(kept) ?? first;
}
