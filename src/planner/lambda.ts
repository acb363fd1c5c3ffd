/**
 * AWS Lambda monthly cost for the ack-then-enqueue design: the function
 * verifies the webhook, sends it to SQS and answers 200. Prices come from the
 * book; the rules (rounding, tiers, free tier, INIT) follow
 * aws.amazon.com/lambda/pricing and the AWS blogs cited in prices.json.
 */
import { albMonthly } from './alb.js';
import type { PriceBook } from './prices.js';
import { tieredCost } from './prices.js';
import type { LambdaCost, TrafficProfile } from './types.js';

/** Lambda adds up to 1,000 execution environments every 10 s per function (docs: scaling-behavior). */
const NEW_ENVIRONMENTS_PER_SECOND = 1000 / 10;
/** Ack-then-enqueue: 1 SendMessage, plus Receive and Delete in batches of 10, per message. */
const SQS_REQUESTS_PER_MESSAGE = 1 + 0.1 + 0.1;
/** AWS bills data GB as 2^30 bytes. */
const BYTES_PER_GB = 2 ** 30;

function frontDoorCost(p: TrafficProfile, book: PriceBook): number {
  const invocations = p.volume.value;
  switch (p.frontDoor.value) {
    case 'none':
      return 0;
    case 'function-url':
      return book.frontDoor.functionUrl.value;
    case 'http-api': {
      // HTTP APIs meter each 512 KB of a request as one request.
      const increments = Math.max(1, Math.ceil(p.payloadBytes.value / (book.frontDoor.httpApiMeteringKb.value * 1024)));
      return tieredCost(invocations * increments, book.frontDoor.httpApi, 1e6);
    }
    case 'rest-api':
      return tieredCost(invocations, book.frontDoor.restApi, 1e6);
    case 'alb':
      return albMonthly(book, p.averageRps, p.payloadBytes.value, 'lambda').total;
  }
}

function sqsCost(p: TrafficProfile, book: PriceBook): number {
  // Each 64 KB chunk of a payload is billed as one request.
  const chunks = Math.max(1, Math.ceil(p.payloadBytes.value / (book.sqs.chunkKb.value * 1024)));
  const requests = p.volume.value * SQS_REQUESTS_PER_MESSAGE * chunks;
  return tieredCost(Math.max(0, requests - book.sqs.freeRequests.value), book.sqs.tiers, 1e6);
}

function logsCost(p: TrafficProfile, book: PriceBook, freeTier: boolean): number {
  const gb = (p.volume.value * p.logBytes.value) / BYTES_PER_GB;
  const free = freeTier ? book.logs.freeGb.value : 0;
  return tieredCost(Math.max(0, gb - free), book.logs.lambdaTiers, 1);
}

/**
 * Monthly Lambda cost, unrounded.
 * - Duration: each invocation rounded up to the ms, priced on the arch's GB-s tiers.
 * - INIT (billed since 2025-08-01): coldStartRate x on-demand invocations x initMs x GB,
 *   priced at the margin above invocation duration and reported apart.
 * - Free tier (when on, never with provisioned concurrency): 1M requests and
 *   400,000 GB-s subtracted before tiering, and 5 GB of logs.
 * - SQS: ~1.2 requests per message per 64 KB chunk, less SQS's own 1M
 *   always-free requests (separate from Lambda's allowance, so always taken).
 * - Provisioned concurrency: configured GB-s for the whole month; the PC
 *   environments serve traffic first (at the PC duration rate) and the rest
 *   spills to on-demand.
 * @example
 * lambdaCost(buildProfile(parseCostArgs(['--volume', '1e7']), null), book).breakdown.compute; // 16.6667
 */
export function lambdaCost(p: TrafficProfile, book: PriceBook): LambdaCost {
  const arch = p.arch.value;
  const gb = p.memoryMb.value / 1024;
  const invocations = p.volume.value;
  const seconds = book.hoursPerMonth * 3600;
  // 1 ms billing granularity, rounded up (AWS News Blog, 2020-12-01); the epsilon absorbs float noise.
  const billedSeconds = Math.ceil(p.durationMs.value - 1e-9) / 1000;
  const environments = p.provisionedConcurrency.value;
  const invokeGbS = invocations * billedSeconds * gb;
  const provisionedGbS = environments * gb * seconds;
  const servedByProvisioned = Math.min(invokeGbS, provisionedGbS);
  const onDemandShare = invokeGbS > 0 ? 1 - servedByProvisioned / invokeGbS : 1;
  const computeGbS = invokeGbS - servedByProvisioned;
  const initGbS = p.coldStartRate.value * invocations * onDemandShare * (p.initMs.value / 1000) * gb * book.lambda.initBilled.value;

  const notes: string[] = [];
  const freeTier = p.freeTier.value && environments === 0;
  if (p.freeTier.value && environments > 0) notes.push('The free tier does not apply to functions with provisioned concurrency.');
  const freeGbS = freeTier ? Math.min(book.lambda.freeTier.gbSeconds.value, computeGbS + initGbS) : 0;
  const freeRequests = freeTier ? Math.min(book.lambda.freeTier.requests.value, invocations) : 0;
  const billableCompute = Math.max(0, computeGbS - freeGbS);
  const billableInit = Math.max(0, initGbS - Math.max(0, freeGbS - computeGbS));
  const bands = book.lambda.duration[arch];
  const compute = tieredCost(billableCompute, bands, 1);
  const init = tieredCost(billableCompute + billableInit, bands, 1) - compute;
  const pcPrices = book.lambda.provisioned[arch];
  const provisioned = provisionedGbS * pcPrices.concurrency.value + servedByProvisioned * pcPrices.duration.value;

  const breakdown = {
    requests: ((invocations - freeRequests) * book.lambda.requests.value) / 1e6,
    compute,
    init,
    frontDoor: frontDoorCost(p, book),
    sqs: sqsCost(p, book),
    logs: logsCost(p, book, freeTier),
    provisioned,
  };
  const monthlyUsd = Object.values(breakdown).reduce((a, b) => a + b, 0);

  // Concurrency needed at the peak = peak rps x duration (s).
  const needed = Math.ceil(p.peakRps.value * (p.durationMs.value / 1000) - 1e-9);
  const accountLimit = p.accountConcurrency.value;
  const withinLimit = needed <= accountLimit;
  const secondsToScale = Math.max(0, needed - environments) / NEW_ENVIRONMENTS_PER_SECOND;
  return {
    monthlyUsd,
    breakdown,
    gbSeconds: { compute: computeGbS, init: initGbS, freeApplied: freeGbS },
    concurrency: { needed, accountLimit, withinLimit, secondsToScale },
    notes,
  };
}
