import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './shipped-prices.js';
import type { BenchedColdStart, BenchedDuration } from './types.js';

const positive = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);

/**
 * The cold start in the file: an object with its median and parts, or a
 * bare median in files from before the split was recorded.
 */
function coldStartOf(raw: unknown, where: string): BenchedColdStart | undefined {
  const c = (typeof raw === 'number' ? { median: raw } : raw) as { median?: unknown; initMs?: unknown; firstInvokeMs?: unknown; runs?: unknown; codeCache?: unknown } | undefined;
  if (c === undefined || c === null || !positive(c.median)) return undefined;
  const split = positive(c.initMs) && positive(c.firstInvokeMs) ? { initMs: c.initMs, firstInvokeMs: c.firstInvokeMs } : {};
  const parts = 'initMs' in split ? `: loading the bundle ${split.initMs} ms, the first event ${split.firstInvokeMs} ms` : '';
  const runs = positive(c.runs) ? ` of ${String(c.runs)} fresh node processes` : '';
  return {
    ms: c.median,
    ...split,
    note: `wahook's receiveHandler cold start${c.codeCache === false ? ' without a code cache' : ''}, median${runs} from start to first answer${parts} (${where}); a node process started by hand, not Lambda's runtime, whose own INIT comes on top: --init-ms sets yours from CloudWatch's Init Duration`,
  };
}

/**
 * wahook's own receiveHandler duration and cold start as bench/lambda.ts
 * measured them (prices/lambda-duration.json), or null when the file is
 * absent or not one the bench wrote. The planner then falls back to the
 * quoted 200 ms and the default INIT.
 * @example benchedDuration()?.ms // e.g. the median warm duration in ms
 */
export function benchedDuration(path = join(packageRoot(), 'prices', 'lambda-duration.json')): BenchedDuration | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  const r = raw as { receiveHandlerMs?: { median?: unknown }; coldStartMs?: unknown; date?: unknown; runs?: unknown; node?: unknown };
  const ms = r.receiveHandlerMs?.median;
  if (!positive(ms) || typeof r.date !== 'string') return null;
  const where = `bench:lambda, ${r.date.slice(0, 10)}, node ${String(r.node)}`;
  const coldStart = coldStartOf(r.coldStartMs, where);
  return {
    ms,
    note: `wahook's receiveHandler, median of ${String(r.runs)} warm events (bench/lambda.ts, ${r.date.slice(0, 10)}, node ${String(r.node)}), with SQS answering on loopback: an in-region SendMessage adds its round trip; --duration-ms sets yours from CloudWatch`,
    ...(coldStart !== undefined ? { coldStart } : {}),
  };
}
