/**
 * Application Load Balancer monthly cost, used in front of Lambda (as a front
 * door) and in front of two or more servers. Prices: cloud-horizons.com ALB
 * article (2026-05-08); LCU dimensions: handbook.vantage.sh ELB pricing.
 */
import type { PriceBook } from './prices.js';
import { toMonthlyUsd } from './prices.js';

/** An internet-facing ALB spans at least two Availability Zones, one public IPv4 each. */
export const ALB_MIN_ZONES = 2;

export interface AlbCost {
  hours: number;
  lcu: number;
  ipv4: number;
  total: number;
}

/**
 * Monthly ALB cost for an average request rate. LCUs are billed on the busiest
 * dimension; for webhooks that is new connections (each delivery is counted as
 * a new connection, the worst case) or processed bytes. Rule evaluations stay
 * within the 10 free rules and are not charged.
 * @example
 * albMonthly(book, 3.8, 2048, 'instances').total; // ~ 16.43 + 7.30 + LCU
 */
export function albMonthly(book: PriceBook, averageRps: number, payloadBytes: number, targets: 'lambda' | 'instances'): AlbCost {
  const { alb } = book;
  const gbPerHour = (averageRps * 3600 * payloadBytes) / 2 ** 30;
  const gbPerLcu = targets === 'lambda' ? alb.lcuProcessedGbPerHourLambda.value : alb.lcuProcessedGbPerHourInstances.value;
  const connectionsPerLcu = alb.lcuNewConnectionsPerSecond.value;
  const lcuPerHour = Math.max(connectionsPerLcu > 0 ? averageRps / connectionsPerLcu : 0, gbPerLcu > 0 ? gbPerHour / gbPerLcu : 0);
  const hours = alb.hourly.value * book.hoursPerMonth;
  const lcu = lcuPerHour * book.hoursPerMonth * alb.lcuHourly.value;
  const ipv4 = ALB_MIN_ZONES * toMonthlyUsd(book.publicIpv4.aws, book, 'publicIpv4.aws');
  return { hours, lcu, ipv4, total: hours + lcu + ipv4 };
}
