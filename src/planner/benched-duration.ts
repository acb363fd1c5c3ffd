import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './shipped-prices.js';
import type { BenchedDuration } from './types.js';

/**
 * wahook's own receiveHandler duration as bench/lambda.ts measured it
 * (prices/lambda-duration.json), or null when the file is absent or not one
 * the bench wrote. The planner then falls back to the quoted 200 ms.
 * @example benchedDuration()?.ms // e.g. the median warm duration in ms
 */
export function benchedDuration(path = join(packageRoot(), 'prices', 'lambda-duration.json')): BenchedDuration | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  const r = raw as { receiveHandlerMs?: { median?: unknown }; date?: unknown; runs?: unknown; node?: unknown };
  const ms = r.receiveHandlerMs?.median;
  if (typeof ms !== 'number' || !(ms > 0) || typeof r.date !== 'string') return null;
  return {
    ms,
    note: `wahook's receiveHandler, median of ${String(r.runs)} warm events (bench/lambda.ts, ${r.date.slice(0, 10)}, node ${String(r.node)}), with SQS answering on loopback: an in-region SendMessage adds its round trip; --duration-ms sets yours from CloudWatch`,
  };
}
