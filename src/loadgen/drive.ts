import hdr, { type Histogram } from 'hdr-histogram-js';
import { GatewayError } from '../core/errors.js';
import { openConnection, type Conn, type TlsOptions } from './http-client.js';
import type { Schedule } from './schedule.js';

export type { Histogram };

export interface DriveOptions {
  readonly host: string;
  readonly port: number;
  /** Set for an https:// target. */
  readonly tls?: TlsOptions;
  readonly connections: number;
  readonly schedule: Schedule;
  /** The bytes of request i (0 ≤ i < schedule.count). */
  readonly request: (i: number) => Buffer;
  /** An answer slower than this fails the request and its connection is reopened. */
  readonly timeoutMs: number;
  /** Re-sends of a request answered other than 2xx, or not at all, as Meta re-sends a webhook; 0: none. */
  readonly retries?: number;
  /** The wait before the first re-send, doubled before each next one. */
  readonly retryBackoffMs?: number;
  /** Called once every connection is open, just before the first request is due. */
  readonly onStart?: () => void;
}

/** What a run has done so far; read by the progress display while it runs. */
export interface DriveState {
  /** Requests of the schedule sent (first attempts). */
  sent: number;
  /** Re-sends of requests that failed. */
  retries: number;
  answered: number;
  ok: number;
  failed: number;
}

export const newDriveState = (): DriveState => ({ sent: 0, retries: 0, answered: 0, ok: 0, failed: 0 });

export interface DriveResult {
  readonly schedule: Schedule;
  /** Every request sent, re-sends included. */
  readonly sent: number;
  /** Requests of the schedule sent: the first `planned` entries of the per-request arrays are filled. */
  readonly planned: number;
  /** Re-sends of requests that failed. */
  readonly retries: number;
  /** Requests of the schedule that no attempt got a 2xx for. */
  readonly failed: number;
  readonly ok: number;
  /** Answers by HTTP status, and `error` for requests that got none (refused, reset, timed out). */
  readonly byStatus: Record<string, number>;
  readonly durationMs: number;
  /** Per request of the schedule: its last status (0: none, or not sent), when its first attempt was due and that attempt's latency, in ms. */
  readonly status: Uint16Array;
  readonly dueMs: Float64Array;
  readonly latencyMs: Float64Array;
  /** Every answered attempt's latency, in µs. */
  readonly all: Histogram;
  /** The 2xx answers' latency, in µs. */
  readonly acknowledged: Histogram;
}

/** An hour in µs: the longest latency a histogram tracks at 3 significant digits. */
const HIGHEST_US = 3_600_000_000;

export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

async function connect(o: DriveOptions): Promise<Conn> {
  try {
    return await openConnection(o.host, o.port, o.timeoutMs, o.tls);
  } catch (e) {
    throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Cannot connect to ${o.host}:${o.port}: ${(e as Error).message}`);
  }
}

/** Doubling stops here, so many --retries do not outlast the run by hours. */
const MAX_BACKOFF_MS = 30_000;

/** A failed request waiting for its next attempt; `due` is on the performance.now() clock. */
interface Retry { readonly i: number; readonly attempt: number; readonly due: number }

/**
 * Sends the schedule's requests over `connections` keep-alive connections.
 * Requests are taken in order from one queue: a request due while every
 * connection is busy waits, and its latency counts from when it was due.
 * A request answered other than 2xx, or not at all, is sent again after a
 * back-off, up to `retries` times, taking its turn with the scheduled ones.
 */
export async function drive(o: DriveOptions, state: DriveState = newDriveState()): Promise<DriveResult> {
  const { schedule } = o;
  const maxRetries = o.retries ?? 0;
  const backoffMs = o.retryBackoffMs ?? 100;
  const status = new Uint16Array(schedule.count);
  const dueMs = new Float64Array(schedule.count);
  const latencyMs = new Float64Array(schedule.count);
  const byStatus: Record<string, number> = {};
  const all = newHistogram();
  const acknowledged = newHistogram();
  const conns = await Promise.all(Array.from({ length: o.connections }, () => connect(o)));
  let next = 0;
  // Kept in order of due time; failures are rare, so an insertion is cheap.
  const retryQueue: Retry[] = [];
  let inFlight = 0;
  // Connections with nothing to send while others may still fail and need a retry.
  let idle: (() => void)[] = [];
  const wake = (): void => {
    const w = idle;
    idle = [];
    for (const f of w) f();
  };
  const retryLater = (r: Retry): void => {
    let at = retryQueue.length;
    while (at > 0 && retryQueue[at - 1]!.due > r.due) at--;
    retryQueue.splice(at, 0, r);
    wake();
  };
  o.onStart?.();
  const started = performance.now();
  const loop = async (conn: Conn | null): Promise<void> => {
    while (conn !== null) {
      const scheduledDue = next < schedule.count ? started + schedule.dueMs(next) : Infinity;
      const head = retryQueue[0];
      let job: Retry;
      if (head !== undefined && head.due <= scheduledDue) job = retryQueue.shift()!;
      else if (next < schedule.count) job = { i: next++, attempt: 0, due: scheduledDue };
      else if (inFlight > 0) {
        await new Promise<void>((r) => idle.push(r));
        continue;
      } else break;
      const { i, attempt, due } = job;
      inFlight++;
      let from = due;
      const now = performance.now();
      if (due > now) {
        await new Promise((r) => setTimeout(r, due - now));
        // Idle and early: time from the actual send, so the client's timer lag is not charged to the server.
        from = performance.now();
      }
      if (attempt === 0) {
        dueMs[i] = due - started;
        state.sent++;
      } else state.retries++;
      let code = 0;
      try {
        code = await conn.send(o.request(i));
        const us = Math.max(1, Math.round((performance.now() - from) * 1000));
        if (attempt === 0) latencyMs[i] = us / 1000;
        all.recordValue(us);
        byStatus[code] = (byStatus[code] ?? 0) + 1;
        state.answered++;
        if (code >= 200 && code < 300) {
          acknowledged.recordValue(us);
          state.ok++;
        }
      } catch {
        if (attempt === 0) latencyMs[i] = performance.now() - from;
        byStatus.error = (byStatus.error ?? 0) + 1;
        state.failed++;
        conn.close();
        conn = await openConnection(o.host, o.port, o.timeoutMs, o.tls).catch(() => null);
      }
      status[i] = code;
      inFlight--;
      if ((code < 200 || code >= 300) && attempt < maxRetries) retryLater({ i, attempt: attempt + 1, due: performance.now() + Math.min(backoffMs * 2 ** attempt, Math.max(backoffMs, MAX_BACKOFF_MS)) });
      else if (inFlight === 0) wake();
    }
    conn?.close();
    // A connection that gave up must not leave the others waiting for it.
    wake();
  };
  await Promise.all(conns.map((c) => loop(c)));
  let failed = 0;
  for (let i = 0; i < next; i++) if (status[i]! < 200 || status[i]! >= 300) failed++;
  const sent = state.sent + state.retries;
  return { schedule, sent, planned: next, retries: state.retries, failed, ok: state.ok, byStatus, durationMs: performance.now() - started, status, dueMs, latencyMs, all, acknowledged };
}
