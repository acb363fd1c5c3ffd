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
import { withVolume } from './profile.js';
import type { CostReport, DedicatedCost, LambdaCost, SharedCost, TrafficProfile } from './types.js';

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

function series(p: TrafficProfile, book: PriceBook): CostReport['series'] {
  const out: CostReport['series'] = { volumes: [], lambda: [], dedicated: [] };
  const points = Math.log10(CHART_RANGE.high / CHART_RANGE.low) * POINTS_PER_DECADE;
  for (let i = 0; i <= points; i++) {
    const volume = Math.round(CHART_RANGE.low * 10 ** (i / POINTS_PER_DECADE));
    const q = withVolume(p, volume);
    out.volumes.push(volume);
    out.lambda.push(cents(lambdaCost(q, book).monthlyUsd));
    out.dedicated.push(cents(dedicatedCost(q, book).monthlyUsd));
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

function recommend(p: TrafficProfile, l: LambdaCost, d: DedicatedCost, breakEven: number | null, book: PriceBook): CostReport['recommendation'] {
  const choice = l.monthlyUsd <= d.monthlyUsd ? 'lambda' : 'dedicated';
  const volume = count(p.volume.value);
  const reasons = [
    `At ${volume} messages a month Lambda costs ${usd(l.monthlyUsd)} and dedicated ${usd(d.monthlyUsd)} (${d.instances} x ${d.offer.provider} ${d.offer.name}${d.loadBalancer.included ? ' + load balancer' : ''}).`,
  ];
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
  reasons.push(...d.notes, ...l.notes);
  return { choice, reasons };
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
  const millions = profile.volume.value / 1e6;
  return {
    pricesAsOf: prices.asOf,
    inputs: profile,
    lambda: roundLambda(lambda),
    dedicated: roundDedicated(dedicated),
    shared: sharedCosts(prices),
    breakEvenVolume,
    costPerMillion: { lambda: cents(lambda.monthlyUsd / millions), dedicated: cents(dedicated.monthlyUsd / millions) },
    recommendation: recommend(profile, lambda, dedicated, breakEvenVolume, prices),
    series: series(profile, prices),
  };
}
