/**
 * The price book: every number the planner charges comes from here, each as
 * a `{value, unit, source, asOf}` record, so prices are data that a
 * `--prices <file>` can replace. `loadPrices` checks the shape and names the
 * offending key, because a hand-edited price file is the likeliest bad input.
 */
import { GatewayError } from '../core/errors.js';
import type { Arch } from './types.js';

export interface PriceRecord {
  value: number;
  unit: string;
  source: string;
  asOf: string;
  note?: string;
}

/** A band of a tiered price; `upTo` is the band's exclusive upper bound (null: no bound). */
export interface PriceTier extends PriceRecord {
  upTo: number | null;
}

export interface ServerOffer {
  name: string;
  provider: string;
  /** vCPUs (hardware threads) the plan sells. */
  cores: number;
  memoryGiB: number;
  arch: Arch;
  sharedCpu: boolean;
  /** Key into `publicIpv4`, or null when the plan price has no separate IPv4 line. */
  ipv4: string | null;
  /** Block storage bought per instance (EBS gp3); 0 when the plan includes a disk. */
  diskGb: number;
  /**
   * How many times faster one vCPU of this offer runs wahook than the host the
   * CPU per delivery was measured (or benchmarked) on; CPU figures are divided
   * by it. Absent means 1: the same speed.
   */
  speedFactor?: number;
  note?: string;
  price: PriceRecord;
}

export interface PriceBook {
  asOf: string;
  region: string;
  hoursPerMonth: number;
  eurUsd: PriceRecord;
  lambda: {
    requests: PriceRecord;
    duration: Record<Arch, PriceTier[]>;
    freeTier: { requests: PriceRecord; gbSeconds: PriceRecord };
    initBilled: PriceRecord;
    provisioned: Record<Arch, { concurrency: PriceRecord; duration: PriceRecord }>;
  };
  frontDoor: { functionUrl: PriceRecord; httpApi: PriceTier[]; httpApiMeteringKb: PriceRecord; restApi: PriceTier[] };
  alb: {
    hourly: PriceRecord;
    lcuHourly: PriceRecord;
    lcuNewConnectionsPerSecond: PriceRecord;
    lcuProcessedGbPerHourInstances: PriceRecord;
    lcuProcessedGbPerHourLambda: PriceRecord;
  };
  publicIpv4: { aws: PriceRecord } & Record<string, PriceRecord>;
  sqs: { tiers: PriceTier[]; chunkKb: PriceRecord; freeRequests: PriceRecord };
  logs: { lambdaTiers: PriceTier[]; freeGb: PriceRecord };
  ebsGp3: PriceRecord;
  offers: ServerOffer[];
  shared: { database: PriceRecord & { name: string }; databaseStorage: PriceRecord };
}

type Obj = Record<string, unknown>;

function fail(key: string, problem: string): never {
  throw new GatewayError('WAHOOK_ERR_PLANNER_INPUT', `prices: "${key}" ${problem}`);
}

function obj(v: unknown, key: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(key, 'must be an object');
  return v as Obj;
}

function str(v: unknown, key: string): string {
  if (typeof v !== 'string' || v.trim() === '') fail(key, 'must be a non-empty string');
  return v;
}

function num(v: unknown, key: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail(key, `must be a number >= ${min}`);
  return v;
}

/** A source names a public page or publication; a file path on someone's disk is not a source. */
const LOCAL_PATH = /^(\/|~|\.\.?\/|file:|[A-Za-z]:[\\/])/;

function record(v: unknown, key: string): PriceRecord {
  const o = obj(v, key);
  const source = str(o.source, `${key}.source`);
  if (LOCAL_PATH.test(source)) fail(`${key}.source`, 'must name a public source, not a local path');
  const r: PriceRecord = { value: num(o.value, `${key}.value`), unit: str(o.unit, `${key}.unit`), source, asOf: str(o.asOf, `${key}.asOf`) };
  if (o.note !== undefined) r.note = str(o.note, `${key}.note`);
  return r;
}

function tiers(v: unknown, key: string): PriceTier[] {
  if (!Array.isArray(v) || v.length === 0) fail(key, 'must be a non-empty array of tiers');
  let previous = 0;
  return v.map((t: unknown, i) => {
    const k = `${key}[${i}]`;
    const upTo = obj(t, k).upTo;
    const last = i === v.length - 1;
    if (last && upTo !== null) fail(`${k}.upTo`, 'must be null on the last tier');
    if (!last && (typeof upTo !== 'number' || !(upTo > previous))) fail(`${k}.upTo`, 'must be a number above the previous tier');
    previous = typeof upTo === 'number' ? upTo : previous;
    return { ...record(t, k), upTo: upTo as number | null };
  });
}

const MONTHLY_UNITS = ['USD per hour', 'USD per month', 'EUR per hour', 'EUR per month'];

/**
 * A record priced per hour or per month, in USD or EUR, as USD per month.
 * @example
 * toMonthlyUsd({ value: 0.0725, unit: 'USD per hour', source: 's', asOf: '2026' }, book); // 52.925
 */
export function toMonthlyUsd(r: PriceRecord, book: Pick<PriceBook, 'hoursPerMonth' | 'eurUsd'>, key = 'price'): number {
  const perMonth = r.unit.endsWith('per hour') ? r.value * book.hoursPerMonth : r.value;
  if (r.unit.startsWith('EUR')) return perMonth * book.eurUsd.value;
  if (r.unit.startsWith('USD')) return perMonth;
  return fail(`${key}.unit`, `must be one of ${MONTHLY_UNITS.join(', ')}`);
}

function monthlyRecord(v: unknown, key: string): PriceRecord {
  const r = record(v, key);
  if (!MONTHLY_UNITS.includes(r.unit)) fail(`${key}.unit`, `must be one of ${MONTHLY_UNITS.join(', ')}`);
  return r;
}

function perArch<T>(v: unknown, key: string, read: (x: unknown, k: string) => T): Record<Arch, T> {
  const o = obj(v, key);
  return { x86_64: read(o.x86_64, `${key}.x86_64`), arm64: read(o.arm64, `${key}.arm64`) };
}

function offer(v: unknown, key: string, ipv4Keys: string[]): ServerOffer {
  const o = obj(v, key);
  const arch = o.arch;
  if (arch !== 'x86_64' && arch !== 'arm64') fail(`${key}.arch`, 'must be "x86_64" or "arm64"');
  const cores = num(o.cores, `${key}.cores`, 1);
  if (!Number.isInteger(cores)) fail(`${key}.cores`, 'must be a whole number');
  if (typeof o.sharedCpu !== 'boolean') fail(`${key}.sharedCpu`, 'must be true or false');
  const ipv4 = o.ipv4 === null ? null : str(o.ipv4, `${key}.ipv4`);
  if (ipv4 !== null && !ipv4Keys.includes(ipv4)) fail(`${key}.ipv4`, `must be null or one of ${ipv4Keys.join(', ')}`);
  const out: ServerOffer = {
    name: str(o.name, `${key}.name`), provider: str(o.provider, `${key}.provider`), cores,
    memoryGiB: num(o.memoryGiB, `${key}.memoryGiB`), arch, sharedCpu: o.sharedCpu, ipv4,
    diskGb: num(o.diskGb, `${key}.diskGb`), price: monthlyRecord(o.price, `${key}.price`),
  };
  if (o.speedFactor !== undefined) {
    const speed = num(o.speedFactor, `${key}.speedFactor`);
    if (!(speed > 0)) fail(`${key}.speedFactor`, 'must be a number above 0');
    out.speedFactor = speed;
  }
  if (o.note !== undefined) out.note = str(o.note, `${key}.note`);
  return out;
}

/**
 * Validates a parsed prices JSON and returns it typed. Any shape error throws
 * `WAHOOK_ERR_PLANNER_INPUT` with the offending key in the message.
 * @example
 * const book = loadPrices(JSON.parse(readFileSync('prices/prices.json', 'utf8')));
 * book.lambda.requests.value; // 0.2 (USD per 1M requests)
 */
export function loadPrices(json: unknown): PriceBook {
  const o = obj(json, '(root)');
  const lambda = obj(o.lambda, 'lambda');
  const free = obj(lambda.freeTier, 'lambda.freeTier');
  const door = obj(o.frontDoor, 'frontDoor');
  const alb = obj(o.alb, 'alb');
  const sqs = obj(o.sqs, 'sqs');
  const logs = obj(o.logs, 'logs');
  const shared = obj(o.shared, 'shared');
  const ipv4Raw = obj(o.publicIpv4, 'publicIpv4');
  const publicIpv4: Record<string, PriceRecord> = {};
  for (const [k, r] of Object.entries(ipv4Raw)) publicIpv4[k] = monthlyRecord(r, `publicIpv4.${k}`);
  // The ALB front door and EC2 offers are charged AWS's public IPv4 price.
  if (publicIpv4.aws === undefined) fail('publicIpv4.aws', 'is required (AWS public IPv4 price)');
  if (!Array.isArray(o.offers) || o.offers.length === 0) fail('offers', 'must be a non-empty array');
  const offers = o.offers.map((x: unknown, i) => offer(x, `offers[${i}]`, Object.keys(publicIpv4)));
  const albKey = (k: string): PriceRecord => record(alb[k], `alb.${k}`);
  return {
    asOf: str(o.asOf, 'asOf'),
    region: str(o.region, 'region'),
    hoursPerMonth: num(o.hoursPerMonth, 'hoursPerMonth', 1),
    eurUsd: record(o.eurUsd, 'eurUsd'),
    lambda: {
      requests: record(lambda.requests, 'lambda.requests'),
      duration: perArch(lambda.duration, 'lambda.duration', tiers),
      freeTier: { requests: record(free.requests, 'lambda.freeTier.requests'), gbSeconds: record(free.gbSeconds, 'lambda.freeTier.gbSeconds') },
      initBilled: record(lambda.initBilled, 'lambda.initBilled'),
      provisioned: perArch(lambda.provisioned, 'lambda.provisioned', (v, k) => {
        const p = obj(v, k);
        return { concurrency: record(p.concurrency, `${k}.concurrency`), duration: record(p.duration, `${k}.duration`) };
      }),
    },
    frontDoor: {
      functionUrl: record(door.functionUrl, 'frontDoor.functionUrl'),
      httpApi: tiers(door.httpApi, 'frontDoor.httpApi'),
      httpApiMeteringKb: record(door.httpApiMeteringKb, 'frontDoor.httpApiMeteringKb'),
      restApi: tiers(door.restApi, 'frontDoor.restApi'),
    },
    alb: {
      hourly: albKey('hourly'),
      lcuHourly: albKey('lcuHourly'),
      lcuNewConnectionsPerSecond: albKey('lcuNewConnectionsPerSecond'),
      lcuProcessedGbPerHourInstances: albKey('lcuProcessedGbPerHourInstances'),
      lcuProcessedGbPerHourLambda: albKey('lcuProcessedGbPerHourLambda'),
    },
    publicIpv4: { ...publicIpv4, aws: publicIpv4.aws },
    sqs: { tiers: tiers(sqs.tiers, 'sqs.tiers'), chunkKb: record(sqs.chunkKb, 'sqs.chunkKb'), freeRequests: record(sqs.freeRequests, 'sqs.freeRequests') },
    logs: { lambdaTiers: tiers(logs.lambdaTiers, 'logs.lambdaTiers'), freeGb: record(logs.freeGb, 'logs.freeGb') },
    ebsGp3: record(o.ebsGp3, 'ebsGp3'),
    offers,
    shared: {
      database: { ...monthlyRecord(shared.database, 'shared.database'), name: str(obj(shared.database, 'shared.database').name, 'shared.database.name') },
      databaseStorage: record(shared.databaseStorage, 'shared.databaseStorage'),
    },
  };
}

/**
 * Cost of `quantity` under tiered prices, each band charged at its own rate.
 * `perUnits` is how many units one price buys (1e6 for "per 1M requests").
 * @example
 * tieredCost(7e9, book.lambda.duration.x86_64, 1); // 6e9 x 0.0000166667 + 1e9 x 0.000015
 */
export function tieredCost(quantity: number, bands: readonly PriceTier[], perUnits: number): number {
  let cost = 0;
  let from = 0;
  for (const band of bands) {
    const to = band.upTo ?? Infinity;
    if (quantity > from) cost += ((Math.min(quantity, to) - from) * band.value) / perUnits;
    from = to;
  }
  return cost;
}
