/**
 * Turns flags and (optionally) what the gateway measured into the month to
 * price. Flags win over measurements, measurements over defaults, and every
 * input records which of the three it came from.
 */
import { GatewayError } from '../core/errors.js';
import { EVIDENCE, poissonRange, summarise, Z95 } from './evidence.js';
import { count, span } from './format.js';
import type { BenchedDuration, CostArgs, MeasuredTraffic, MeasurementSummary, ProfileKind, Sourced, TrafficProfile } from './types.js';

/** AWS bills a month as 730 hours. */
export const SECONDS_PER_MONTH = 730 * 3600;
const MINUTES_PER_MONTH = 730 * 60;

/**
 * Peak one-second rate over the month's average rate, per traffic shape.
 * - steady: a daily cycle whose busiest second is about 3x the monthly mean.
 * - campaign: broadcast bursts. A sender at 10M messages a month averages
 *   3.8 rps; its campaigns arrive as one-second bursts of a few thousand rps
 *   a few times a day, so the peak is ~1,000x the average. At ~4 bursts a day
 *   the environments each burst brings up are ~0.9% of invocations as cold
 *   starts, inside the 1% default, so the cold-start rate is not raised.
 * Both are planner assumptions; --peak-rps replaces them.
 */
export const PEAK_TO_AVERAGE: Record<ProfileKind, number> = { steady: 3, campaign: 1000 };

export const DEFAULTS = {
  /** The common worked example in AWS cost write-ups (200 ms at 512 MB); wahook's own measured duration replaces it when shipped (prices/lambda-duration.json). */
  durationMs: 200,
  memoryMb: 512,
  /** AWS: INITs "typically occur in under 1% of invocations" (INIT billing blog, 2025). */
  coldStartRate: 0.01,
  /** lambda-perf (2026-08-22): Node ZIP hello-world INIT averages 114-147 ms; a bundled gateway adds a little. wahook's own measured cold start replaces it when shipped (prices/lambda-duration.json). */
  initMs: 150,
  /** START/END/REPORT platform lines are ~250-400 bytes per invocation (estimate; measure yours). */
  logBytes: 325,
  /** A full WhatsApp webhook JSON is about 2 KB. */
  payloadBytes: 2048,
  /** Slowest gateway configuration benchmarked (one fsync per request, ~0.118 ms CPU). */
  cpuMsPerDelivery: 0.12,
  /** Without a measured baseline, dedicated instances are sized for the deliveries alone. */
  idleCpuMsPerMinute: 0,
  /** Default Lambda concurrent executions per region (gettingstarted-limits). */
  accountConcurrency: 1000,
  /** Autoscaling fleets are typically run at 60-75% CPU; the low end leaves burst headroom. */
  targetUtilisation: 0.6,
};

function bad(flag: string, problem: string): never {
  throw new GatewayError('WAHOOK_ERR_PLANNER_INPUT', `${flag} ${problem}`);
}

function finite(v: unknown, key: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`measured.${key}`, 'must be a finite number >= 0');
}

function checkMeasured(m: MeasuredTraffic): void {
  for (const f of ['windowMinutes', 'deliveries', 'events', 'bytesIn', 'peakRps', 'p50Ms', 'p99Ms'] as const) finite(m[f], f);
  if (m.windowMinutes <= 0) bad('measured.windowMinutes', 'must be greater than 0');
  if (m.busyMinutes !== undefined) finite(m.busyMinutes, 'busyMinutes');
  const logBytes = m.logBytesPerDelivery;
  if (logBytes !== undefined && !(Number.isFinite(logBytes) && logBytes >= 0)) bad('measured.logBytesPerDelivery', 'must be a finite number >= 0');
  const fit = m.cpu;
  if (fit !== undefined && fit !== null) {
    for (const f of ['perDeliveryMsSe', 'idleMsPerMinuteSe', 'minutes', 'busyMinutes', 'deliveries'] as const) finite(fit[f], `cpu.${f}`);
    // A fitted slope or intercept may come out negative on noisy data; the evidence rules reject it, so only finiteness is checked.
    for (const f of ['perDeliveryMs', 'idleMsPerMinute'] as const) if (!Number.isFinite(fit[f])) bad(`measured.cpu.${f}`, 'must be a finite number');
  }
}

function pick<T>(flag: T | undefined, measured: T | undefined, fallback: T, note?: string): Sourced<T> {
  if (flag !== undefined) return { value: flag, source: 'flag' };
  if (measured !== undefined) return { value: measured, source: 'measured' };
  return note === undefined ? { value: fallback, source: 'default' } : { value: fallback, source: 'default', note };
}

/** A measured quantity only counts when the window had deliveries and the value is positive. */
function positive(v: number | undefined): number | undefined {
  return v !== undefined && v > 0 ? v : undefined;
}

function peakFor(args: CostArgs, m: MeasuredTraffic | null, averageRps: number, kind: ProfileKind): Sourced<number> {
  if (args.peakRps !== undefined) {
    if (args.peakRps < averageRps) bad('--peak-rps', `(${args.peakRps}) is below the month's average rate (${averageRps.toFixed(2)} rps)`);
    return { value: args.peakRps, source: 'flag' };
  }
  const shaped: Sourced<number> = {
    value: averageRps * PEAK_TO_AVERAGE[kind],
    source: 'default',
    note: `${kind} profile: peak = ${PEAK_TO_AVERAGE[kind]} x average`,
  };
  if (m === null || m.deliveries === 0 || m.peakRps === 0) return shaped;
  if (args.volume !== undefined && m.windowMinutes < EVIDENCE.minWindowMinutesForMonth) {
    return { ...shaped, note: `${shaped.note}; the measured peak/average ratio is not applied to --volume: under a day of data (${span(m.windowMinutes)})` };
  }
  const measuredAverage = m.deliveries / (m.windowMinutes * 60);
  const ratio = Math.max(1, m.peakRps / measuredAverage);
  const measured: Sourced<number> = {
    value: averageRps * ratio,
    source: 'measured',
    note: `measured peak ${m.peakRps} rps over a ${measuredAverage.toFixed(3)} rps average (x${ratio.toFixed(1)})`,
  };
  // An explicit campaign profile expects bursts the window may not have seen.
  return args.profile === 'campaign' && shaped.value > measured.value ? shaped : measured;
}

function utilisationCeiling(args: CostArgs, m: MeasuredTraffic | null, cpuMs: number): Sourced<number> {
  const util = pick(args.targetUtilisation, undefined, DEFAULTS.targetUtilisation);
  if (args.targetP99Ms === undefined) return util;
  // Queueing rule of thumb (M/M/1): latency grows as 1/(1 - utilisation), so
  // a p99 of `base` when idle stays under the target while u <= 1 - base/target.
  const base = m !== null && m.p99Ms > 0 ? m.p99Ms : cpuMs;
  const allowed = 1 - base / args.targetP99Ms;
  if (allowed <= 0) bad('--target-p99-ms', `(${args.targetP99Ms}) is not above the p99 already seen without load (${base} ms)`);
  if (allowed >= util.value) return util;
  return { value: allowed, source: 'flag', note: `--target-p99-ms ${args.targetP99Ms}: 1 - ${base} ms / ${args.targetP99Ms} ms` };
}

const HOST_NOTE = 'measured on the host that ran serve: another CPU runs it faster or slower (--cpu-ms, or an offer\'s speedFactor in the price list)';

/** Marginal CPU per delivery: a flag, else the fit when the evidence rules accept it, else the benchmarked default. */
function cpuInput(args: CostArgs, s: MeasurementSummary | null): Sourced<number> {
  if (args.cpuMsPerDelivery !== undefined) return { value: args.cpuMsPerDelivery, source: 'flag' };
  const fit = s?.cpu.used === true ? s.cpu.fit : null;
  if (fit !== null && s !== null) {
    const half = Z95 * fit.perDeliveryMsSe;
    return { value: fit.perDeliveryMs, source: 'measured', range: [fit.perDeliveryMs - half, fit.perDeliveryMs + half], note: `${s.cpu.reason}; ${HOST_NOTE}` };
  }
  const why = s === null ? 'nothing measured' : `measurement not used: ${s.cpu.reason}`;
  return { value: DEFAULTS.cpuMsPerDelivery, source: 'default', note: `slowest benchmarked gateway setup (${why})` };
}

/** The idle baseline comes from the same fit as the slope, so it is used on the same terms. */
function idleInput(args: CostArgs, s: MeasurementSummary | null): Sourced<number> {
  if (args.idleCpuMsPerMinute !== undefined) return { value: args.idleCpuMsPerMinute, source: 'flag' };
  const fit = s?.cpu.used === true ? s.cpu.fit : null;
  if (fit !== null) {
    const idle = Math.max(0, fit.idleMsPerMinute);
    const half = Z95 * fit.idleMsPerMinuteSe;
    return {
      value: idle,
      source: 'measured',
      range: [Math.max(0, idle - half), idle + half],
      note: `intercept of the CPU fit: what the process spends a minute with no traffic (timers, the worker's polling, telemetry); each dedicated instance pays it, a Lambda does not; ${HOST_NOTE}`,
    };
  }
  return { value: DEFAULTS.idleCpuMsPerMinute, source: 'default', note: 'not measured: instances are sized for the deliveries alone' };
}

function measuredVolume(m: MeasuredTraffic, s: MeasurementSummary): Sourced<number> {
  const scale = MINUTES_PER_MONTH / m.windowMinutes;
  const [lo, hi] = poissonRange(m.deliveries);
  const caveat = s.extrapolated ? `; under a day of data, so an extrapolation rather than a month measured (--volume plans one)` : '';
  return {
    value: m.deliveries * scale,
    source: 'measured',
    range: [lo * scale, hi * scale],
    note: `${count(m.deliveries)} ${m.deliveries === 1 ? 'delivery' : 'deliveries'} in ${span(m.windowMinutes)}, scaled to 730 h${caveat}`,
  };
}

/**
 * Builds the month to price from flags and the measured window (extrapolated
 * to a 730-hour month). Measured CPU, payload size and log bytes replace the
 * defaults only when the evidence rules (evidence.ts) say there is enough
 * traffic behind them; the report says which was used and why.
 * Throws `WAHOOK_ERR_PLANNER_INPUT` naming the flag when the inputs cannot
 * describe a month (no volume, peak below average, ...).
 * @example
 * const p = buildProfile(parseCostArgs(['--volume', '10000000']), null);
 * p.peakRps.value; // 11.42 (steady: 3 x the 3.81 rps average)
 */
export function buildProfile(args: CostArgs, measured: MeasuredTraffic | null, benched: BenchedDuration | null = null): TrafficProfile {
  if (measured !== null) checkMeasured(measured);
  const m = measured;
  const summary = summarise(m);
  const hasTraffic = m !== null && m.deliveries > 0;
  if (args.volume === undefined && !hasTraffic) bad('--volume', 'is required when no traffic has been measured');
  const volume: Sourced<number> = args.volume !== undefined || m === null || summary === null
    ? { value: args.volume ?? 0, source: 'flag' }
    : measuredVolume(m, summary);
  const averageRps = volume.value / SECONDS_PER_MONTH;
  const profile = pick<ProfileKind>(args.profile, undefined, 'steady');
  const peakRps = peakFor(args, m, averageRps, profile.value);
  const cpuMs = cpuInput(args, summary);
  const perDelivery = hasTraffic && summary?.perDelivery.used === true;
  const unused = summary !== null && !summary.perDelivery.used ? ` (measurement not used: ${summary.perDelivery.reason})` : '';
  const durationNote = m !== null && m.p50Ms > 0
    ? `in-process time-to-200 (p50 ${m.p50Ms} ms) is not used: a Lambda ack also waits on the queue send`
    : 'reference worked example';
  return {
    volume,
    peakRps,
    averageRps,
    peakToAverage: averageRps > 0 ? peakRps.value / averageRps : 1,
    profile,
    durationMs: benched !== null && args.durationMs === undefined
      ? { value: benched.ms, source: 'measured', note: benched.note }
      : pick(args.durationMs, undefined, DEFAULTS.durationMs, durationNote),
    memoryMb: pick(args.memoryMb, undefined, DEFAULTS.memoryMb),
    arch: pick(args.arch, undefined, 'x86_64'),
    freeTier: pick(args.freeTier, undefined, false, 'production accounts have usually used the always-free allowance'),
    frontDoor: pick(args.frontDoor, undefined, 'function-url'),
    provisionedConcurrency: pick(args.provisionedConcurrency, undefined, 0),
    coldStartRate: pick(args.coldStartRate, undefined, DEFAULTS.coldStartRate),
    initMs: benched?.coldStart !== undefined && args.initMs === undefined
      ? { value: benched.coldStart.ms, source: 'measured', note: benched.coldStart.note }
      : pick(args.initMs, undefined, DEFAULTS.initMs, 'lambda-perf Node ZIP INIT 114-147 ms, plus the bundle'),
    logBytes: pick(args.logBytes, perDelivery ? m.logBytesPerDelivery : undefined, DEFAULTS.logBytes, `platform START/END/REPORT lines only${unused}`),
    payloadBytes: pick(args.payloadBytes, perDelivery ? positive(m.bytesIn / m.deliveries) : undefined, DEFAULTS.payloadBytes, unused === '' ? undefined : `a full WhatsApp webhook${unused}`),
    cpuMsPerDelivery: cpuMs,
    idleCpuMsPerMinute: idleInput(args, summary),
    accountConcurrency: pick(args.accountConcurrency, undefined, DEFAULTS.accountConcurrency),
    targetP99Ms: pick<number | null>(args.targetP99Ms, undefined, null),
    utilisationCeiling: utilisationCeiling(args, m, cpuMs.value),
    coresPerInstance: pick<number | null>(args.coresPerInstance, undefined, null),
    measurement: summary,
  };
}

/**
 * The same profile at another monthly volume, the peak scaled by the
 * profile's peak/average ratio (used for the break-even search and the chart).
 * @example
 * withVolume(profile, 1e8).peakRps.value === profile.peakToAverage * 1e8 / SECONDS_PER_MONTH;
 */
export function withVolume(profile: TrafficProfile, volume: number): TrafficProfile {
  const averageRps = volume / SECONDS_PER_MONTH;
  return {
    ...profile,
    // The measured range belongs to the measured volume, not to this one.
    volume: { value: volume, source: profile.volume.source },
    averageRps,
    peakRps: { ...profile.peakRps, value: averageRps * profile.peakToAverage },
  };
}
