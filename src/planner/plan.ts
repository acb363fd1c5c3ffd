/**
 * Puts the Lambda and dedicated costs side by side: totals at the profile's
 * volume, the break-even volume, a recommendation and the curves the chart
 * draws. All money in the report is rounded to the cent; the search works on
 * unrounded totals.
 */
import { dedicatedCost } from './dedicated.js';
import { count, rate, shortCount, usd } from './format.js';
import { lambdaCost } from './lambda.js';
import type { PriceBook } from './prices.js';
import { toMonthlyUsd } from './prices.js';
import { DEFAULTS, withVolume } from './profile.js';
import type { CostReport, DedicatedCost, LambdaCost, SharedCost, TrafficProfile, Uncertainty } from './types.js';

/** The break-even search range, messages a month. */
export const SEARCH_RANGE = { low: 1e5, high: 1e10 };
/** The chart's volume range, messages a month. */
export const CHART_RANGE = { low: 1e5, high: 1e9 };
const POINTS_PER_DECADE = 40;
/** Shared database storage provisioned (GB); the same on both sides, so it never moves the comparison. */
const DATABASE_STORAGE_GB = 20;

const cents = (x: number): number => Math.round(x * 100) / 100;

function gap(p: TrafficProfile, book: PriceBook, volume: number): number {
  const q = withVolume(p, volume);
  return lambdaCost(q, book).monthlyUsd - dedicatedCost(q, book).monthlyUsd;
}

/**
 * The lowest volume in 1e5..1e10 messages a month where the cheaper option
 * changes, or null. The dedicated total is a step function and Lambda's is
 * continuous, so the search scans a log grid for a sign change of the
 * difference and bisects it; where Lambda's line meets a step the two totals
 * are equal, and where a step jumps over the line the step's volume is returned.
 * @example
 * findBreakEven(profile, book); // e.g. 15_800_000
 */
export function findBreakEven(p: TrafficProfile, book: PriceBook): number | null {
  const decades = Math.log10(SEARCH_RANGE.high / SEARCH_RANGE.low);
  let lo = SEARCH_RANGE.low;
  let gLo = gap(p, book, lo);
  for (let i = 1; i <= decades * POINTS_PER_DECADE; i++) {
    if (gLo === 0) return Math.round(lo);
    const hi = SEARCH_RANGE.low * 10 ** (i / POINTS_PER_DECADE);
    const gHi = gap(p, book, hi);
    if (Math.sign(gHi) !== Math.sign(gLo)) {
      let a = lo;
      let b = hi;
      for (let k = 0; k < 80 && b / a > 1 + 1e-12; k++) {
        const mid = Math.sqrt(a * b);
        if (Math.sign(gap(p, book, mid)) === Math.sign(gLo)) a = mid;
        else b = mid;
      }
      return Math.round(Math.sqrt(a * b));
    }
    lo = hi;
    gLo = gHi;
  }
  return null;
}

/**
 * The break-even, or the end of the search range it lies beyond: the low end
 * when dedicated is cheaper across the range, the high end when Lambda is.
 */
function breakEvenOrEdge(p: TrafficProfile, book: PriceBook): number {
  return findBreakEven(p, book) ?? (gap(p, book, SEARCH_RANGE.low) < 0 ? SEARCH_RANGE.high : SEARCH_RANGE.low);
}

/** The profile with the measured CPU inputs at one end of their 95% ranges (0: the low end, the cheapest servers). */
function cpuAt(p: TrafficProfile, end: 0 | 1): TrafficProfile {
  const cpu = p.cpuMsPerDelivery;
  const idle = p.idleCpuMsPerMinute;
  return {
    ...p,
    cpuMsPerDelivery: { ...cpu, value: cpu.range?.[end] ?? cpu.value },
    idleCpuMsPerMinute: { ...idle, value: idle.range?.[end] ?? idle.value },
  };
}

const hasCpuRange = (p: TrafficProfile): boolean => p.cpuMsPerDelivery.range !== undefined || p.idleCpuMsPerMinute.range !== undefined;

/**
 * Totals and break-even at the ends of the measured inputs' 95% ranges. A
 * Lambda does not depend on the server CPU, so its range is the volume's;
 * the dedicated range takes the low ends together and the high ends together.
 */
function uncertainty(p: TrafficProfile, book: PriceBook): Uncertainty | null {
  const volume = p.volume.range;
  if (volume === undefined && !hasCpuRange(p)) return null;
  const [vLow, vHigh] = volume ?? [p.volume.value, p.volume.value];
  const low = cpuAt(p, 0);
  const high = cpuAt(p, 1);
  const edges = [breakEvenOrEdge(low, book), breakEvenOrEdge(high, book)].sort((a, b) => a - b);
  return {
    lambda: [cents(lambdaCost(withVolume(p, vLow), book).monthlyUsd), cents(lambdaCost(withVolume(p, vHigh), book).monthlyUsd)],
    dedicated: [cents(dedicatedCost(withVolume(low, vLow), book).monthlyUsd), cents(dedicatedCost(withVolume(high, vHigh), book).monthlyUsd)],
    breakEven: [edges[0]!, edges[1]!],
    volume: [Math.round(vLow), Math.round(vHigh)],
  };
}

function series(p: TrafficProfile, book: PriceBook): CostReport['series'] {
  const band = hasCpuRange(p);
  const out: CostReport['series'] = { volumes: [], lambda: [], dedicated: [], ...(band ? { dedicatedLow: [], dedicatedHigh: [] } : {}) };
  const low = cpuAt(p, 0);
  const high = cpuAt(p, 1);
  const points = Math.log10(CHART_RANGE.high / CHART_RANGE.low) * POINTS_PER_DECADE;
  for (let i = 0; i <= points; i++) {
    const volume = Math.round(CHART_RANGE.low * 10 ** (i / POINTS_PER_DECADE));
    const q = withVolume(p, volume);
    out.volumes.push(volume);
    out.lambda.push(cents(lambdaCost(q, book).monthlyUsd));
    out.dedicated.push(cents(dedicatedCost(q, book).monthlyUsd));
    out.dedicatedLow?.push(cents(dedicatedCost(withVolume(low, volume), book).monthlyUsd));
    out.dedicatedHigh?.push(cents(dedicatedCost(withVolume(high, volume), book).monthlyUsd));
  }
  return out;
}

function sharedCosts(book: PriceBook): SharedCost {
  const db = book.shared.database;
  const storage = book.shared.databaseStorage;
  const items = [
    { name: db.name, monthlyUsd: cents(toMonthlyUsd(db, book, 'shared.database')), source: db.source },
    { name: `Database storage, ${DATABASE_STORAGE_GB} GB`, monthlyUsd: cents(DATABASE_STORAGE_GB * storage.value), source: storage.source },
  ];
  return {
    monthlyUsd: cents(items.reduce((a, b) => a + b.monthlyUsd, 0)),
    items,
    note: 'Needed by both designs, so listed once and added to neither total.',
  };
}

const overlaps = (a: [number, number], b: [number, number]): boolean => a[0] <= b[1] && b[0] <= a[1];
/** A range as text, one figure when both ends read the same. */
const between = (r: [number, number], f: (x: number) => string): string => (f(r[0]) === f(r[1]) ? f(r[0]) : `${f(r[0])} to ${f(r[1])}`);

function recommend(p: TrafficProfile, l: LambdaCost, d: DedicatedCost, breakEven: number | null, book: PriceBook, u: Uncertainty | null): CostReport['recommendation'] {
  const choice = l.monthlyUsd <= d.monthlyUsd ? 'lambda' : 'dedicated';
  const volume = count(p.volume.value);
  const tooClose = u !== null && overlaps(u.volume, u.breakEven);
  const reasons: string[] = [];
  if (tooClose) {
    reasons.push(`Too close to call at this volume: ${between(u.volume, shortCount)} messages a month and a break-even of ${between(u.breakEven, shortCount)} overlap within the measured inputs' 95% ranges; measure longer, or plan with --volume and --cpu-ms.`);
  }
  reasons.push(`At ${volume} messages a month Lambda costs ${usd(l.monthlyUsd)} and dedicated ${usd(d.monthlyUsd)} (${d.instances} x ${d.offer.provider} ${d.offer.name}${d.loadBalancer.included ? ' + load balancer' : ''}).`);
  if (u !== null) {
    reasons.push(`Within the measured inputs' 95% ranges: Lambda ${between(u.lambda, usd)}, dedicated ${between(u.dedicated, usd)}, break-even ${between(u.breakEven, shortCount)} messages a month.`);
  }
  if (breakEven !== null) {
    const below = gap(p, book, breakEven * 0.99) < 0 ? 'Lambda' : 'dedicated';
    reasons.push(`Break-even at about ${shortCount(breakEven)} messages a month (${count(breakEven)}): below it ${below} is cheaper.`);
  } else {
    const cheaper = gap(p, book, SEARCH_RANGE.low) < 0 ? 'Lambda' : 'dedicated';
    reasons.push(`No break-even between 100 thousand and 10 billion messages a month: ${cheaper} is cheaper across that range.`);
  }
  const c = l.concurrency;
  if (!c.withinLimit) {
    reasons.push(`The ${rate(p.peakRps.value)} rps peak needs ${count(c.needed)} concurrent Lambda environments, above the account limit of ${count(c.accountLimit)}: raise the quota first or deliveries are throttled (HTTP 429).`);
  }
  if (c.secondsToScale >= 5) {
    reasons.push(`From idle, Lambda needs about ${c.secondsToScale.toFixed(0)} s to scale to ${count(c.needed)} environments (1,000 per 10 s); deliveries throttled meanwhile are retried by the sender.`);
  }
  reasons.push(`Dedicated is sized for the ${rate(p.peakRps.value)} rps peak at ${(p.utilisationCeiling.value * 100).toFixed(0)}% CPU plus one spare instance; Lambda bills only what runs.`);
  if (p.cpuMsPerDelivery.source === 'measured') {
    reasons.push('The CPU per delivery was measured on the host that ran serve; another CPU runs it faster or slower: --cpu-ms, or an offer\'s speedFactor in the price list, adjusts the sizing.');
  }
  reasons.push(...d.notes, ...l.notes);
  return { choice, tooClose, reasons };
}

function roundLambda(l: LambdaCost): LambdaCost {
  const b = l.breakdown;
  return {
    monthlyUsd: cents(l.monthlyUsd),
    breakdown: {
      requests: cents(b.requests), compute: cents(b.compute), init: cents(b.init), frontDoor: cents(b.frontDoor),
      sqs: cents(b.sqs), logs: cents(b.logs), provisioned: cents(b.provisioned),
    },
    gbSeconds: { compute: Math.round(l.gbSeconds.compute), init: Math.round(l.gbSeconds.init), freeApplied: Math.round(l.gbSeconds.freeApplied) },
    concurrency: { ...l.concurrency, secondsToScale: Math.round(l.concurrency.secondsToScale * 10) / 10 },
    notes: l.notes,
  };
}

function roundDedicated(d: DedicatedCost): DedicatedCost {
  const b = d.breakdown;
  return {
    ...d,
    monthlyUsd: cents(d.monthlyUsd),
    offer: { ...d.offer, price: cents(d.offer.price) },
    capacityRpsPerInstance: Math.round(d.capacityRpsPerInstance),
    breakdown: { instances: cents(b.instances), ipv4: cents(b.ipv4), disks: cents(b.disks), loadBalancer: cents(b.loadBalancer) },
    loadBalancer: { ...d.loadBalancer, monthlyUsd: cents(d.loadBalancer.monthlyUsd) },
    alternatives: d.alternatives.map((a) => ({ ...a, monthlyUsd: cents(a.monthlyUsd) })),
  };
}

/**
 * Prices the profile both ways and compares them.
 * @example
 * const report = plan(buildProfile(parseCostArgs(['--volume', '10000000']), null), loadPrices(json));
 * report.lambda.breakdown.requests; // 2
 */
export function plan(profile: TrafficProfile, prices: PriceBook): CostReport {
  const lambda = lambdaCost(profile, prices);
  const dedicated = dedicatedCost(profile, prices);
  const breakEvenVolume = findBreakEven(profile, prices);
  const bands = uncertainty(profile, prices);
  const millions = profile.volume.value / 1e6;
  return {
    pricesAsOf: prices.asOf,
    inputs: profile,
    lambda: roundLambda(lambda),
    dedicated: roundDedicated(dedicated),
    shared: sharedCosts(prices),
    breakEvenVolume,
    costPerMillion: { lambda: cents(lambda.monthlyUsd / millions), dedicated: cents(dedicated.monthlyUsd / millions) },
    recommendation: recommend(profile, lambda, dedicated, breakEvenVolume, prices, bands),
    ...quoted(profile, prices, millions),
    uncertainty: bands,
    series: series(profile, prices),
  };
}

/** The same month at the duration cost write-ups assume, so a reader sees what the measured duration changes. */
function quoted(p: TrafficProfile, book: PriceBook, millions: number): Pick<CostReport, 'quotedDuration'> {
  if (p.durationMs.value === DEFAULTS.durationMs) return {};
  const l = lambdaCost({ ...p, durationMs: { value: DEFAULTS.durationMs, source: 'default' } }, book);
  return { quotedDuration: { durationMs: DEFAULTS.durationMs, monthlyUsd: cents(l.monthlyUsd), costPerMillion: cents(l.monthlyUsd / millions) } };
}
