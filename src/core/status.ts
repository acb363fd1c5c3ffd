import type { StatusValue } from './events.js';
import { canonicalJson } from './normalize/canonical.js';

/**
 * Progress order of delivery statuses. `failed` ranks above `sent` (a send
 * that was accepted then failed is failed) but below `delivered`: a later
 * delivery or read receipt proves the message did arrive after all.
 */
export const STATUS_RANK: Record<StatusValue, number> = {
  pending: 0,
  sent: 1,
  failed: 2,
  delivered: 3,
  read: 4,
  played: 5,
};

export interface StatusObservation {
  status: string;
  /** ms since the epoch. */
  timestamp: number;
  errors?: unknown;
}

export interface MessageStatusState {
  status: StatusValue | null;
  /** The failure to report, kept even when a later receipt outranks it. */
  failed: null | { timestamp: number; errors: unknown };
}

const EMPTY: MessageStatusState = { status: null, failed: null };

function toStatusValue(status: unknown): StatusValue | null {
  if (typeof status !== 'string') return null;
  const s = status.trim().toLowerCase();
  return Object.hasOwn(STATUS_RANK, s) ? (s as StatusValue) : null;
}

function higher(a: StatusValue | null, b: StatusValue | null): StatusValue | null {
  if (a === null) return b;
  if (b === null) return a;
  return STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

/** Total order on failures so the chosen one never depends on arrival order. */
function earlierFailure(
  a: MessageStatusState['failed'],
  b: MessageStatusState['failed'],
): MessageStatusState['failed'] {
  if (a === null) return b;
  if (b === null) return a;
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? a : b;
  return canonicalJson(a.errors) <= canonicalJson(b.errors) ? a : b;
}

/** Non-finite times sort last; `+ 0` folds -0 into 0 so equal states compare equal. */
function sortableTime(t: number): number {
  return Number.isFinite(t) ? t + 0 : Number.POSITIVE_INFINITY;
}

function fromObservation(o: StatusObservation): MessageStatusState {
  const status = toStatusValue(o.status);
  const failed = status === 'failed' ? { timestamp: sortableTime(o.timestamp), errors: o.errors ?? null } : null;
  return { status, failed };
}

function combine(a: MessageStatusState, b: MessageStatusState): MessageStatusState {
  return { status: higher(a.status, b.status), failed: earlierFailure(a.failed, b.failed) };
}

/**
 * Folds one more observation into a state. Associative and commutative, so
 * any arrival order (including duplicates from provider retries) converges.
 *
 * @example
 * let s = reduceStatuses([]);
 * s = mergeStatus(s, { status: 'read', timestamp: 3000 });
 * s = mergeStatus(s, { status: 'sent', timestamp: 1000 });
 * // s → { status: 'read', failed: null }
 */
export function mergeStatus(state: MessageStatusState, o: StatusObservation): MessageStatusState {
  return combine(state, fromObservation(o));
}

/**
 * The status a message has reached given every observation seen so far, in
 * any order: the highest rank wins, unknown status strings are ignored, and
 * the earliest failure is kept with its errors.
 *
 * @example
 * reduceStatuses([
 *   { status: 'failed', timestamp: 2000, errors: [{ code: 131026 }] },
 *   { status: 'sent', timestamp: 1000 },
 * ]);
 * // → { status: 'failed', failed: { timestamp: 2000, errors: [{ code: 131026 }] } }
 */
export function reduceStatuses(obs: readonly StatusObservation[]): MessageStatusState {
  return obs.reduce(mergeStatus, EMPTY);
}
