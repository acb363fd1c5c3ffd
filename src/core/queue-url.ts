import { isLoopbackHost } from './loopback.js';
import { redisQueueAddress } from './redis-url.js';

/**
 * Which queue a `queueUrl` names. Each queue engine recognises its own
 * scheme here and nowhere else, so another engine's scheme is one more
 * case, not a change to this one.
 */
export type QueueKind = 'sqs' | 'redis';

/** An SQS queue path: the account id, then the queue name (a FIFO queue's name ends in `.fifo`). */
const SQS_PATH = /^\/\d{12}\/[A-Za-z0-9_-]{1,75}(\.fifo)?$/;
/** SQS endpoints: regional (sqs.<region>.amazonaws.com, sqs-fips.…), legacy (queue.amazonaws.com) and VPC endpoints (….sqs.<region>.vpce.amazonaws.com). */
const SQS_HOST = /^(sqs[.-][a-z0-9.-]+|queue\.amazonaws\.com|[a-z0-9.-]+\.sqs\.[a-z0-9.-]+)$/i;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * @example
 * queueKind('sqs://sqs.eu-west-1.amazonaws.com/123456789012/wahook') // 'sqs'
 * queueKind('https://sqs.eu-west-1.amazonaws.com/123456789012/wahook') // 'sqs'
 * queueKind('redis://127.0.0.1:6379/0?key=wahook') // 'redis'
 * queueKind('ftp://example.com/q') // null
 */
export function queueKind(url: string): QueueKind | null {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return redisQueueAddress(url) !== null ? 'redis' : null;
  const u = parse(url);
  if (u === null || !SQS_PATH.test(u.pathname) || u.search !== '' || u.hash !== '') return null;
  if (u.protocol === 'sqs:') return 'sqs';
  if (u.protocol === 'https:' && SQS_HOST.test(u.hostname)) return 'sqs';
  return null;
}

/**
 * The HTTPS queue URL the SDK is given. `sqs://` names the same URL; on a
 * loopback host (a local test server) it maps to plain HTTP, the only
 * thing such a server speaks.
 *
 * @example
 * sqsQueueUrl('sqs://sqs.eu-west-1.amazonaws.com/123456789012/wahook') // 'https://sqs.eu-west-1.amazonaws.com/123456789012/wahook'
 */
export function sqsQueueUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'sqs:') return url;
  const scheme = isLoopbackHost(u.hostname) ? 'http' : 'https';
  return `${scheme}://${u.host}${u.pathname}`;
}

/** A FIFO queue deduplicates and orders; wahook gives it a group and a deduplication id. */
export function isFifoQueue(url: string): boolean {
  return url.endsWith('.fifo');
}
