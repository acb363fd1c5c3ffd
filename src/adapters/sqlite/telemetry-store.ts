import type { MinuteRollup } from '../../ports/admin-data.js';
import type { TelemetryStore } from '../../ports/telemetry-store.js';
import { openDatabase, type Db } from './open.js';

const MIGRATIONS = [
  `CREATE TABLE minutes (
    minute INTEGER PRIMARY KEY,
    deliveries INTEGER NOT NULL, events INTEGER NOT NULL, bytes_in INTEGER NOT NULL,
    duplicates INTEGER NOT NULL, rejected INTEGER NOT NULL,
    p50_ms REAL NOT NULL, p99_ms REAL NOT NULL, cpu_ms_per_delivery REAL NOT NULL, peak_rps INTEGER NOT NULL,
    log_bytes INTEGER NOT NULL DEFAULT 0
  );`,
  // The minute's whole CPU and the time it covers, so the planner can separate the idle baseline from
  // the cost of a delivery. Rows from before held only busy minutes; their total is recovered from the average.
  `ALTER TABLE minutes ADD COLUMN cpu_ms REAL NOT NULL DEFAULT 0;
   ALTER TABLE minutes ADD COLUMN sampled_ms INTEGER NOT NULL DEFAULT 0;
   UPDATE minutes SET cpu_ms = cpu_ms_per_delivery * deliveries, sampled_ms = 60000;`,
];

export function openTelemetryDb(dataDir: string): Db {
  return openDatabase(dataDir, 'telemetry.db', MIGRATIONS, { busyTimeoutMs: 2000, synchronous: 'NORMAL' });
}

/**
 * Per-minute rollups in telemetry.db: one small write a minute, idle minutes
 * included (their CPU is the baseline the planner needs), kept for the
 * retention window (35 days by default) so a month is always at hand.
 */
export class SqliteTelemetryStore implements TelemetryStore {
  readonly db: Db;

  constructor(dataDir: string) {
    this.db = openTelemetryDb(dataDir);
  }

  async save(r: MinuteRollup, retentionDays: number): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO minutes (minute, deliveries, events, bytes_in, duplicates, rejected, p50_ms, p99_ms, cpu_ms_per_delivery, peak_rps, log_bytes, cpu_ms, sampled_ms)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (minute) DO UPDATE SET
          deliveries = deliveries + excluded.deliveries, events = events + excluded.events, bytes_in = bytes_in + excluded.bytes_in,
          duplicates = duplicates + excluded.duplicates, rejected = rejected + excluded.rejected,
          p50_ms = max(p50_ms, excluded.p50_ms), p99_ms = max(p99_ms, excluded.p99_ms),
          cpu_ms_per_delivery = excluded.cpu_ms_per_delivery, peak_rps = max(peak_rps, excluded.peak_rps), log_bytes = log_bytes + excluded.log_bytes,
          cpu_ms = cpu_ms + excluded.cpu_ms, sampled_ms = sampled_ms + excluded.sampled_ms`)
        .run(r.minute, r.deliveries, r.events, r.bytesIn, r.duplicates, r.rejected, r.p50Ms, r.p99Ms, r.cpuMsPerDelivery, r.peakRps, r.logBytes, r.cpuMs, r.sampledMs);
      this.db.prepare('DELETE FROM minutes WHERE minute < ?').run(r.minute - retentionDays * 86_400_000);
    })();
  }

  async since(sinceMs: number): Promise<MinuteRollup[]> {
    const rows = this.db.prepare('SELECT * FROM minutes WHERE minute >= ? ORDER BY minute').all(sinceMs) as Record<string, number>[];
    return rows.map((r) => ({
      minute: r.minute!, deliveries: r.deliveries!, events: r.events!, bytesIn: r.bytes_in!, duplicates: r.duplicates!, rejected: r.rejected!,
      p50Ms: r.p50_ms!, p99Ms: r.p99_ms!, cpuMsPerDelivery: r.cpu_ms_per_delivery!, peakRps: r.peak_rps!, logBytes: r.log_bytes!,
      cpuMs: r.cpu_ms!, sampledMs: r.sampled_ms!,
    }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
