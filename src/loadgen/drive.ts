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
  /** Called once every connection is open, just before the first request is due. */
  readonly onStart?: () => void;
}

/** What a run has done so far; read by the progress display while it runs. */
export interface DriveState {
  sent: number;
  answered: number;
  ok: number;
  failed: number;
}

export interface DriveResult {
  readonly schedule: Schedule;
  readonly sent: number;
  readonly ok: number;
  /** Answers by HTTP status, and `error` for requests that got none (refused, reset, timed out). */
  readonly byStatus: Record<string, number>;
  readonly durationMs: number;
  /** Per request: the status (0: none, or not sent), when it was due and its latency, in ms. */
  readonly status: Uint16Array;
  readonly dueMs: Float64Array;
  readonly latencyMs: Float64Array;
  /** Every answered request's latency, in µs. */
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

/**
 * Sends the schedule's requests over `connections` keep-alive connections.
 * Requests are taken in order from one queue: a request due while every
 * connection is busy waits, and its latency counts from when it was due.
 */
export async function drive(o: DriveOptions, state: DriveState = { sent: 0, answered: 0, ok: 0, failed: 0 }): Promise<DriveResult> {
  const { schedule } = o;
  const status = new Uint16Array(schedule.count);
  const dueMs = new Float64Array(schedule.count);
  const latencyMs = new Float64Array(schedule.count);
  const byStatus: Record<string, number> = {};
  const all = newHistogram();
  const acknowledged = newHistogram();
  const conns = await Promise.all(Array.from({ length: o.connections }, () => connect(o)));
  let next = 0;
  o.onStart?.();
  const started = performance.now();
  const loop = async (conn: Conn | null): Promise<void> => {
    while (conn !== null && next < schedule.count) {
      const i = next++;
      const due = started + schedule.dueMs(i);
      let from = due;
      const now = performance.now();
      if (due > now) {
        await new Promise((r) => setTimeout(r, due - now));
        // Idle and early: time from the actual send, so the client's timer lag is not charged to the server.
        from = performance.now();
      }
      dueMs[i] = due - started;
      state.sent++;
      try {
        const code = await conn.send(o.request(i));
        const us = Math.max(1, Math.round((performance.now() - from) * 1000));
        status[i] = code;
        latencyMs[i] = us / 1000;
        all.recordValue(us);
        byStatus[code] = (byStatus[code] ?? 0) + 1;
        state.answered++;
        if (code >= 200 && code < 300) {
          acknowledged.recordValue(us);
          state.ok++;
        }
      } catch {
        latencyMs[i] = performance.now() - from;
        byStatus.error = (byStatus.error ?? 0) + 1;
        state.failed++;
        conn.close();
        conn = await openConnection(o.host, o.port, o.timeoutMs, o.tls).catch(() => null);
      }
    }
    conn?.close();
  };
  await Promise.all(conns.map((c) => loop(c)));
  return { schedule, sent: state.sent, ok: state.ok, byStatus, durationMs: performance.now() - started, status, dueMs, latencyMs, all, acknowledged };
}
