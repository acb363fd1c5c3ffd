/**
 * Shapes shared by the cost planner. The planner is pure: it turns a traffic
 * profile and a price book into a report, with no I/O of its own.
 */

export type Arch = 'x86_64' | 'arm64';
export type FrontDoor = 'none' | 'function-url' | 'http-api' | 'rest-api' | 'alb';
export type ProfileKind = 'steady' | 'campaign';
/** Where a planner input came from. */
export type InputSource = 'measured' | 'flag' | 'default';

/** What the gateway measured, from its per-minute rollups (the caller computes this). */
export interface MeasuredTraffic {
  /** Minutes of rollups covered (> 0). */
  windowMinutes: number;
  /** Webhook POSTs stored in the window. */
  deliveries: number;
  events: number;
  bytesIn: number;
  /** Highest one-second rate seen. */
  peakRps: number;
  /** Time-to-200 measured in process. */
  p50Ms: number;
  p99Ms: number;
  /** Process CPU ms per delivery, measured in process. */
  cpuMsPerDelivery: number;
  logBytesPerDelivery?: number;
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
  accountConcurrency: Sourced<number>;
  targetP99Ms: Sourced<number | null>;
  /** Highest CPU utilisation an instance is planned to run at the peak. */
  utilisationCeiling: Sourced<number>;
  coresPerInstance: Sourced<number | null>;
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
  recommendation: { choice: 'lambda' | 'dedicated'; reasons: string[] };
  /** Monthly totals over a log-spaced volume range, for the chart. */
  series: { volumes: number[]; lambda: number[]; dedicated: number[] };
}
