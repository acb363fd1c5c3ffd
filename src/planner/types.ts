/**
 * Shapes shared by the cost planner. The planner is pure: it turns a traffic
 * profile and a price book into a report, with no I/O of its own.
 */

export type Arch = 'x86_64' | 'arm64';
export type FrontDoor = 'none' | 'function-url' | 'http-api' | 'rest-api' | 'alb';
export type ProfileKind = 'steady' | 'campaign';
/** Where a planner input came from. */
export type InputSource = 'measured' | 'flag' | 'default';

/**
 * CPU time against deliveries over the measured minutes, fitted as
 * cpuMs = idle x minutes + perDelivery x deliveries (the caller fits it).
 * Standard errors are of the fit, so a 95% range is about ±1.96 of them.
 */
export interface CpuFit {
  /** Marginal CPU ms a delivery adds (the slope). */
  perDeliveryMs: number;
  perDeliveryMsSe: number;
  /** CPU ms a minute the process spends with no traffic (the baseline). */
  idleMsPerMinute: number;
  idleMsPerMinuteSe: number;
  /** Minutes with a CPU reading that the fit used, and how many of them had deliveries. */
  minutes: number;
  busyMinutes: number;
  /** Deliveries in those minutes. */
  deliveries: number;
}

/** What the gateway measured, from its per-minute rollups (the caller computes this). */
export interface MeasuredTraffic {
  /** Minutes of rollups covered (> 0). */
  windowMinutes: number;
  /** Webhook POSTs stored in the window. */
  deliveries: number;
  /** Minutes of the window with at least one delivery; when absent, taken as the window. */
  busyMinutes?: number;
  events: number;
  bytesIn: number;
  /** Highest one-second rate seen. */
  peakRps: number;
  /** Time-to-200 measured in process. */
  p50Ms: number;
  p99Ms: number;
  /** The CPU fit over the window, or null when the minutes cannot separate baseline from per-delivery cost. */
  cpu?: CpuFit | null;
  logBytesPerDelivery?: number;
}

/** wahook's own Lambda duration, measured by bench/lambda.ts and shipped as prices/lambda-duration.json. */
export interface BenchedDuration {
  /** Median warm duration of receiveHandler per delivery, ms. */
  ms: number;
  /** What was measured, where and when, for the report. */
  note: string;
  /** receiveHandler's measured cold start, the default of --init-ms when the file has one. */
  coldStart?: BenchedColdStart;
}

export interface BenchedColdStart {
  /** Median from a fresh process's start to its first answer, ms. */
  ms: number;
  /** Its median parts, when the bench split it: loading the bundle (INIT) and the first event. */
  initMs?: number;
  firstInvokeMs?: number;
  note: string;
}

/** Parsed `wahook cost` flags. Absent flags stay undefined so the profile can tell flag from default. */
export interface CostArgs {
  volume?: number;
  peakRps?: number;
  durationMs?: number;
  memoryMb?: number;
  arch?: Arch;
  freeTier?: boolean;
  frontDoor?: FrontDoor;
  profile?: ProfileKind;
  provisionedConcurrency?: number;
  coldStartRate?: number;
  initMs?: number;
  logBytes?: number;
  payloadBytes?: number;
  cpuMsPerDelivery?: number;
  idleCpuMsPerMinute?: number;
  accountConcurrency?: number;
  targetUtilisation?: number;
  targetP99Ms?: number;
  coresPerInstance?: number;
  pricesFile?: string;
  json: boolean;
  svgFile?: string;
  htmlFile?: string;
}

/** One planner input with its provenance. */
export interface Sourced<T> {
  value: T;
  source: InputSource;
  note?: string;
  /** 95% range of a measured value, from the measurement's own uncertainty. */
  range?: [number, number];
}

/** What the measurement behind a report amounts to, and which of it the planner used. */
export interface MeasurementSummary {
  windowMinutes: number;
  deliveries: number;
  busyMinutes: number;
  /** Less than a day measured: a monthly volume from it is an extrapolation, not a measurement of a month. */
  extrapolated: boolean;
  /** Whether the CPU fit replaced the benchmarked default, and why (or why not). */
  cpu: { used: boolean; reason: string; fit: CpuFit | null };
  /** Whether per-delivery averages (payload size, log bytes) were taken from the measurement, and why (or why not). */
  perDelivery: { used: boolean; reason: string };
}

/**
 * The month being priced. One message = one webhook delivery = one Lambda
 * invocation. Month = 730 h, the AWS billing convention.
 */
export interface TrafficProfile {
  volume: Sourced<number>;
  peakRps: Sourced<number>;
  /** volume / seconds in a month. */
  averageRps: number;
  /** peakRps / averageRps; kept when the volume is varied (break-even, chart). */
  peakToAverage: number;
  profile: Sourced<ProfileKind>;
  durationMs: Sourced<number>;
  memoryMb: Sourced<number>;
  arch: Sourced<Arch>;
  freeTier: Sourced<boolean>;
  frontDoor: Sourced<FrontDoor>;
  provisionedConcurrency: Sourced<number>;
  coldStartRate: Sourced<number>;
  initMs: Sourced<number>;
  logBytes: Sourced<number>;
  payloadBytes: Sourced<number>;
  cpuMsPerDelivery: Sourced<number>;
  /** CPU ms a minute each dedicated instance spends with no traffic; a Lambda does not pay it. */
  idleCpuMsPerMinute: Sourced<number>;
  accountConcurrency: Sourced<number>;
  targetP99Ms: Sourced<number | null>;
  /** Highest CPU utilisation an instance is planned to run at the peak. */
  utilisationCeiling: Sourced<number>;
  coresPerInstance: Sourced<number | null>;
  /** Null when nothing was measured. */
  measurement: MeasurementSummary | null;
}

export interface LambdaBreakdown {
  requests: number;
  /** Invocation duration only (on-demand). */
  compute: number;
  /** Billed INIT phase of cold starts, kept apart from compute. */
  init: number;
  frontDoor: number;
  sqs: number;
  logs: number;
  /** Provisioned concurrency: configured environments plus duration run on them. */
  provisioned: number;
}

export interface LambdaCost {
  monthlyUsd: number;
  breakdown: LambdaBreakdown;
  gbSeconds: { compute: number; init: number; freeApplied: number };
  concurrency: { needed: number; accountLimit: number; withinLimit: boolean; secondsToScale: number };
  notes: string[];
}

export interface DedicatedOfferChoice {
  name: string;
  provider: string;
  cores: number;
  memoryGiB: number;
  arch: Arch;
  /** USD per instance-month, converted from the list price. */
  price: number;
  listPrice: { value: number; unit: string };
  source: string;
  asOf: string;
  /** CPU shared with other tenants (burstable credits or shared vCPU): peak capacity is not guaranteed. */
  sharedCpu: boolean;
  note?: string;
}

export interface DedicatedCost {
  monthlyUsd: number;
  instances: number;
  offer: DedicatedOfferChoice;
  capacityRpsPerInstance: number;
  /** How many times faster a vCPU of this offer runs wahook than the host the CPU figure came from (price list; 1 unless given). */
  speedFactor: number;
  breakdown: { instances: number; ipv4: number; disks: number; loadBalancer: number };
  loadBalancer: { included: boolean; monthlyUsd: number; note: string };
  /** The next cheapest offers, for comparison. */
  alternatives: { name: string; provider: string; instances: number; monthlyUsd: number }[];
  notes: string[];
}

export interface SharedCost {
  monthlyUsd: number;
  items: { name: string; monthlyUsd: number; source: string }[];
  note: string;
}

export interface CostReport {
  pricesAsOf: string;
  inputs: TrafficProfile;
  lambda: LambdaCost;
  dedicated: DedicatedCost;
  shared: SharedCost;
  /** Messages a month where both monthly totals are equal; null when none in 1e5..1e10. */
  breakEvenVolume: number | null;
  costPerMillion: { lambda: number; dedicated: number };
  recommendation: {
    choice: 'lambda' | 'dedicated';
    /** The volume's range and the break-even's range overlap: the measured inputs cannot tell the two apart here. */
    tooClose: boolean;
    reasons: string[];
  };
  /** Lambda at the duration cost write-ups commonly assume, beside the duration actually priced; absent when they are the same. */
  quotedDuration?: { durationMs: number; monthlyUsd: number; costPerMillion: number };
  /** 95% ranges that follow from the measured inputs' uncertainty; null when no input has one. */
  uncertainty: Uncertainty | null;
  /** Monthly totals over a log-spaced volume range, for the chart (the dedicated band only with a measured CPU range). */
  series: { volumes: number[]; lambda: number[]; dedicated: number[]; dedicatedLow?: number[]; dedicatedHigh?: number[] };
}

export interface Uncertainty {
  lambda: [number, number];
  dedicated: [number, number];
  /** Where the two totals meet at either end of the ranges; an end at 1e5 or 1e10 means none inside the search range on that side. */
  breakEven: [number, number];
  volume: [number, number];
}
