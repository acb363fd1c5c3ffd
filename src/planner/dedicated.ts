/**
 * Dedicated-server monthly cost: enough instances to hold the peak at the
 * utilisation ceiling, plus one spare (N+1), behind a load balancer. Offers
 * (EC2 and dedicated/VPS plans) come from the price book; the cheapest total
 * wins.
 */
import { GatewayError } from '../core/errors.js';
import { albMonthly } from './alb.js';
import type { PriceBook, ServerOffer } from './prices.js';
import { toMonthlyUsd } from './prices.js';
import type { DedicatedCost, TrafficProfile } from './types.js';

export interface OfferCost {
  offer: ServerOffer;
  instances: number;
  capacityRpsPerInstance: number;
  perInstance: { price: number; ipv4: number; disk: number };
  loadBalancer: number;
  total: number;
}

/**
 * Deliveries a second one instance holds at the utilisation ceiling, after
 * its idle baseline; CPU figures are divided by the offer's speed factor
 * (how much faster its vCPU runs wahook than the host the figure came from).
 * capacity = (cores x ceiling - idle cores) x 1000 / cpuMsPerDelivery, where
 * idle cores = idle CPU ms a minute / 60,000.
 * @example
 * // 2 cores, 0.12 ms CPU per delivery, 60% ceiling, no baseline: 10,000 rps
 * capacityRps(profile, book.offers[0]); // 10000
 */
export function capacityRps(p: TrafficProfile, offer: ServerOffer, cpuMs = p.cpuMsPerDelivery.value, idleMsPerMinute = p.idleCpuMsPerMinute.value): number {
  const speed = offer.speedFactor ?? 1;
  const idleCores = idleMsPerMinute / 60_000 / speed;
  return Math.max(0, offer.cores * p.utilisationCeiling.value - idleCores) * (1000 / (cpuMs / speed));
}

/**
 * Cost of running the peak on one offer: instances = ceil(peak / capacity) + 1,
 * so one can fail (or be patched) at the peak and there are always at least
 * two. An offer whose baseline alone fills its ceiling holds nothing and
 * costs Infinity.
 * @example
 * costOffer(profile, book, book.offers[0]).instances; // 2 for any peak one instance holds
 */
export function costOffer(p: TrafficProfile, book: PriceBook, offer: ServerOffer): OfferCost {
  const capacityRpsPerInstance = capacityRps(p, offer);
  const instances = capacityRpsPerInstance > 0 ? Math.ceil(p.peakRps.value / capacityRpsPerInstance - 1e-9) + 1 : Infinity;
  const ipv4Record = offer.ipv4 === null ? undefined : book.publicIpv4[offer.ipv4];
  const perInstance = {
    price: toMonthlyUsd(offer.price, book, `offer ${offer.name}.price`),
    // Each instance keeps a public IPv4 (for deploys and egress) even behind the load balancer.
    ipv4: ipv4Record === undefined ? 0 : toMonthlyUsd(ipv4Record, book, `publicIpv4.${offer.ipv4 ?? ''}`),
    disk: offer.diskGb * book.ebsGp3.value,
  };
  const loadBalancer = instances > 1 ? albMonthly(book, p.averageRps, p.payloadBytes.value, 'instances').total : 0;
  const total = instances * (perInstance.price + perInstance.ipv4 + perInstance.disk) + loadBalancer;
  return { offer, instances, capacityRpsPerInstance, perInstance, loadBalancer, total };
}

/**
 * Every eligible offer costed, cheapest first (ties: fewer instances, then
 * price-book order). `--cores-per-instance` keeps only offers with that many cores.
 * @example
 * rankOffers(profile, book)[0].offer.name; // the cheapest plan for this peak
 */
export function rankOffers(p: TrafficProfile, book: PriceBook): OfferCost[] {
  const cores = p.coresPerInstance.value;
  const eligible = cores === null ? book.offers : book.offers.filter((o) => o.cores === cores);
  if (eligible.length === 0) {
    const available = [...new Set(book.offers.map((o) => o.cores))].sort((a, b) => a - b).join(', ');
    throw new GatewayError('WAHOOK_ERR_PLANNER_INPUT', `--cores-per-instance ${String(cores)} matches no offer in the price list (available: ${available})`);
  }
  return eligible
    .map((o, index) => ({ cost: costOffer(p, book, o), index }))
    .sort((a, b) => a.cost.total - b.cost.total || a.cost.instances - b.cost.instances || a.index - b.index)
    .map((x) => x.cost);
}

function notesFor(best: OfferCost): string[] {
  const notes: string[] = [];
  const { offer } = best;
  if (offer.sharedCpu) {
    notes.push(`${offer.name} has shared or burstable vCPUs: sustained load above its baseline is not guaranteed (t4g "unlimited" bills surplus vCPU-hours).`);
  }
  if (offer.provider !== 'AWS EC2') {
    notes.push(`The load balancer is priced as an AWS ALB; the price list has no ${offer.provider} load balancer, which may be cheaper.`);
  }
  if (offer.note !== undefined) notes.push(`${offer.name}: ${offer.note}.`);
  return notes;
}

/**
 * Monthly cost of the cheapest dedicated setup that holds the peak, unrounded.
 * @example
 * dedicatedCost(profile, book).instances; // 2 for any peak one instance can carry
 */
export function dedicatedCost(p: TrafficProfile, book: PriceBook): DedicatedCost {
  const ranked = rankOffers(p, book);
  const best = ranked[0] as OfferCost;
  if (!Number.isFinite(best.total)) {
    throw new GatewayError('WAHOOK_ERR_PLANNER_INPUT', `--idle-cpu-ms ${p.idleCpuMsPerMinute.value} fills every offer's CPU up to the utilisation ceiling before any delivery`);
  }
  const { offer } = best;
  const aws = offer.provider === 'AWS EC2';
  return {
    monthlyUsd: best.total,
    instances: best.instances,
    offer: {
      name: offer.name,
      provider: offer.provider,
      cores: offer.cores,
      memoryGiB: offer.memoryGiB,
      arch: offer.arch,
      price: best.perInstance.price,
      listPrice: { value: offer.price.value, unit: offer.price.unit },
      source: offer.price.source,
      asOf: offer.price.asOf,
      sharedCpu: offer.sharedCpu,
      ...(offer.note === undefined ? {} : { note: offer.note }),
    },
    capacityRpsPerInstance: best.capacityRpsPerInstance,
    speedFactor: offer.speedFactor ?? 1,
    breakdown: {
      instances: best.instances * best.perInstance.price,
      ipv4: best.instances * best.perInstance.ipv4,
      disks: best.instances * best.perInstance.disk,
      loadBalancer: best.loadBalancer,
    },
    loadBalancer: {
      included: best.instances > 1,
      monthlyUsd: best.loadBalancer,
      note: aws ? 'AWS ALB: hourly + LCU + one public IPv4 per zone (2 zones)' : `AWS ALB price used as a stand-in for a ${offer.provider} load balancer`,
    },
    notes: notesFor(best),
    alternatives: ranked.slice(1, 4).map((c) => ({ name: c.offer.name, provider: c.offer.provider, instances: c.instances, monthlyUsd: c.total })),
  };
}
