import type { MinuteRollup } from '../ports/admin-data.js';
import type { MeasuredTraffic } from '../planner/index.js';
import { fitCpu } from './cpu-fit.js';

/**
 * What a Lambda writes to CloudWatch for every invocation whatever the code
 * does: the START, END and REPORT platform lines, about 250–400 bytes
 * (an estimate from published Lambda cost write-ups; a server cannot measure it).
 */
export const PLATFORM_LOG_BYTES = 325;

/**
 * Summarises stored minute rollups into what the cost planner reads. The
 * window runs from the first minute with traffic to `now`, so quiet hours
 * count as quiet (they are what makes a month cheap on Lambda).
 * Latencies are delivery-weighted means of the per-minute values; CPU is the
 * fit of CPU time against deliveries over every minute with a CPU reading,
 * idle ones included (see fitCpu). Whether there is enough of it to use is
 * the planner's call.
 *
 * @example
 * measuredTraffic(rollups, Date.now()) // { windowMinutes: 1440, deliveries: 52000, busyMinutes: 1300, peakRps: 180, cpu: { perDeliveryMs: 0.08, … }, … }
 */
export function measuredTraffic(rollups: readonly MinuteRollup[], now: number): MeasuredTraffic | null {
  const busy = rollups.filter((r) => r.deliveries > 0);
  if (busy.length === 0) return null;
  const deliveries = busy.reduce((n, r) => n + r.deliveries, 0);
  const weighted = (f: (r: MinuteRollup) => number): number => busy.reduce((n, r) => n + f(r) * r.deliveries, 0) / deliveries;
  return {
    windowMinutes: Math.max(1, Math.ceil((now - busy[0]!.minute) / 60_000)),
    deliveries,
    busyMinutes: busy.length,
    events: rollups.reduce((n, r) => n + r.events, 0),
    bytesIn: busy.reduce((n, r) => n + r.bytesIn, 0),
    peakRps: Math.max(...busy.map((r) => r.peakRps)),
    p50Ms: weighted((r) => r.p50Ms),
    p99Ms: weighted((r) => r.p99Ms),
    cpu: fitCpu(rollups),
    // The platform lines plus what wahook measurably logged per delivery.
    logBytesPerDelivery: PLATFORM_LOG_BYTES + rollups.reduce((n, r) => n + r.logBytes, 0) / deliveries,
  };
}
