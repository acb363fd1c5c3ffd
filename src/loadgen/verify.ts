import type { WahookEvent } from '../core/events.js';
import type { DeliveryLog } from '../ports/delivery-log.js';
import type { EventQuery } from '../ports/event-query.js';

export interface VerifyResult {
  /** Distinct events the acknowledged deliveries should have produced. */
  readonly expected: number;
  /** Of those, how many the store holds. */
  readonly found: number;
  /** Expected events the store does not hold. */
  readonly lost: number;
  /** Extra copies of this run's events beyond the first. */
  readonly duplicated: number;
  /** Whether the worker had processed every stored delivery when the events were counted. */
  readonly caughtUp: boolean;
  readonly waitedMs: number;
}

export interface VerifyInput {
  readonly log: DeliveryLog;
  readonly query: EventQuery;
  /** Identities (`message:<id>`, `status:<id>:<status>`) of what the acknowledged deliveries carried. */
  readonly expected: ReadonlySet<string>;
  /** The run's mark in its message ids. */
  readonly tag: string;
  /** No event of the run is older than this (ms since the epoch): the payloads' own timestamps. */
  readonly sinceMs: number;
  readonly timeoutMs: number;
}

function identity(e: WahookEvent): string | undefined {
  if (e.messageId === undefined) return undefined;
  if (e.kind === 'message') return `message:${e.messageId}`;
  if (e.kind === 'status') return `status:${e.messageId}:${e.type}`;
  return undefined;
}

// SQS's counts lag: an approximate backlog must read empty for this long before the run counts as processed.
const APPROXIMATE_SETTLE_MS = 5_000;

/**
 * Whether the worker has processed everything stored: its checkpoint at the
 * end of the log, or a queue that has stayed empty; `unknown` for a log that
 * cannot say.
 */
function progress(log: DeliveryLog, query: EventQuery): () => Promise<'done' | 'behind' | 'unknown'> {
  let emptySince: number | null = null;
  return async () => {
    try {
      const backlog = await log.backlog((await query.stats()).checkpoint);
      if (backlog !== null && backlog.count > 0) {
        emptySince = null;
        return 'behind';
      }
      if (backlog?.approximate !== true) return 'done';
      emptySince ??= Date.now();
      return Date.now() - emptySince >= APPROXIMATE_SETTLE_MS ? 'done' : 'behind';
    } catch {
      return 'unknown';
    }
  };
}

async function runEvents(v: VerifyInput): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  // Counted by identity rather than by key: a receiver that keyed one update twice shows up here.
  for (const e of await v.query.events({ since: v.sinceMs, limit: Number.MAX_SAFE_INTEGER })) {
    const id = e.messageId?.includes(v.tag) === true ? identity(e) : undefined;
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/**
 * Waits until the worker has processed every stored delivery (or until
 * `timeoutMs`), then checks that every acknowledged delivery's events are
 * in the store exactly once.
 */
export async function verifyEvents(v: VerifyInput): Promise<VerifyResult> {
  const started = Date.now();
  const check = progress(v.log, v.query);
  let state = await check();
  let counts = await runEvents(v);
  const allFound = (): boolean => [...v.expected].every((id) => counts.has(id));
  // Where the log cannot say whether the worker caught up, only finding every event ends the wait early.
  const finished = (): boolean => state === 'done' || (state === 'unknown' && allFound());
  for (let round = 1; !finished() && Date.now() - started < v.timeoutMs; round++) {
    await new Promise((r) => setTimeout(r, 100));
    state = await check();
    if (state === 'done' || round % 10 === 0) counts = await runEvents(v);
  }
  let found = 0;
  for (const id of v.expected) if (counts.has(id)) found++;
  let duplicated = 0;
  for (const n of counts.values()) duplicated += n - 1;
  return { expected: v.expected.size, found, lost: v.expected.size - found, duplicated, caughtUp: state === 'done' || allFound(), waitedMs: Date.now() - started };
}
