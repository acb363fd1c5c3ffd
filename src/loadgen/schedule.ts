/**
 * When each request is due, in ms from the start of a run. Latency is
 * measured from these times, so a server that stalls shows up as latency
 * instead of as a lower offered rate (no coordinated omission).
 */
export interface Schedule {
  readonly mode: 'rate' | 'burst' | 'ramp';
  readonly count: number;
  /** Offered time span in ms (the burst's second, the run's duration). */
  readonly spanMs: number;
  dueMs(i: number): number;
}

/** `rate` requests a second for `seconds`. */
export function constantRate(rate: number, seconds: number): Schedule {
  return { mode: 'rate', count: Math.max(1, Math.round(rate * seconds)), spanMs: seconds * 1000, dueMs: (i) => (i * 1000) / rate };
}

/** `count` requests spread over one second, then nothing: a campaign going out. */
export function burst(count: number): Schedule {
  return { mode: 'burst', count, spanMs: 1000, dueMs: (i) => (i * 1000) / count };
}

/**
 * A rate growing linearly from `from` to `to` over `seconds`. Request i is
 * due when the requests offered so far, from·t + (to − from)·t²/(2T), reach i.
 * @example ramp(0, 100, 10).count // 500
 */
export function ramp(from: number, to: number, seconds: number): Schedule {
  const slope = (to - from) / seconds;
  const count = Math.max(1, Math.round(((from + to) / 2) * seconds));
  const dueS = (i: number): number => (slope === 0 ? i / from : (-from + Math.sqrt(from * from + 2 * slope * i)) / slope);
  return { mode: 'ramp', count, spanMs: seconds * 1000, dueMs: (i) => dueS(i) * 1000 };
}
