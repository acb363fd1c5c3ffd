import { openConnection, type Conn } from './http-client.js';

export interface LoadOptions {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  readonly durationMs: number;
  /** Requests per second across all connections (open loop); omit for closed loop (as fast as answered). */
  readonly rate?: number;
  /** Returns the next request's bytes; each call must give a new unique delivery. */
  readonly next: () => Buffer;
  /** Ends the run early once it returns true (checked before each request). */
  readonly stop?: () => boolean;
}

export interface LoadReport {
  readonly sent: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly durationMs: number;
  readonly rps: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
  readonly statuses: Record<string, number>;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * Closed loop: each connection sends as soon as its previous answer arrives.
 * Open loop: requests are due on a fixed schedule and latency is measured
 * from when each was due, so a stalled server shows up as latency instead of
 * silently lowering the offered rate (no coordinated omission).
 */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const conns: Conn[] = await Promise.all(Array.from({ length: o.connections }, () => openConnection(o.host, o.port)));
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let sent = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + o.durationMs;
  const record = (status: number, dueAt: number): void => {
    latencies.push(performance.now() - dueAt);
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  const interval = o.rate ? (1000 * o.connections) / o.rate : 0;
  await Promise.all(
    conns.map(async (conn, i) => {
      // Stagger open-loop connections evenly across one interval.
      let due = started + (interval * i) / o.connections;
      for (;;) {
        if (o.stop?.()) break;
        const now = performance.now();
        let dueAt = now;
        if (o.rate) {
          if (due >= deadline) break;
          // Idle and early: wait, and time from the actual send (timer jitter is the client's, not the server's).
          // Already late because the previous answer came late: time from when it was due.
          if (due > now) {
            await new Promise((r) => setTimeout(r, due - now));
            dueAt = performance.now();
          } else dueAt = due;
        } else if (now >= deadline) break;
        sent++;
        try {
          record(await conn.send(o.next()), dueAt);
        } catch {
          errors++;
          break;
        }
        due += interval;
      }
    }),
  );
  const durationMs = performance.now() - started;
  for (const c of conns) c.close();
  const sorted = Float64Array.from(latencies).sort();
  const ok = Object.entries(statuses).filter(([s]) => s.startsWith('2')).reduce((n, [, v]) => n + v, 0);
  return {
    sent, ok, non2xx: latencies.length - ok, errors, durationMs,
    rps: (latencies.length * 1000) / durationMs,
    latencyMs: { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99), p999: percentile(sorted, 0.999), max: sorted[sorted.length - 1] ?? 0 },
    statuses,
  };
}
