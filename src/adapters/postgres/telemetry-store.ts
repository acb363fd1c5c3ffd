import type { MinuteRollup } from '../../ports/admin-data.js';
import type { TelemetryStore } from '../../ports/telemetry-store.js';
import type { Pg } from './pool.js';

/** Minute rollups in PostgreSQL; every edge process adds its share of a minute. */
export class PostgresTelemetryStore implements TelemetryStore {
  constructor(private readonly pg: Pg) {}

  async save(r: MinuteRollup, retentionDays: number): Promise<void> {
    const t = this.pg.t('minutes');
    await this.pg.tx(async (c) => {
      await c.query(
        `INSERT INTO ${t} (minute, deliveries, events, bytes_in, duplicates, rejected, p50_ms, p99_ms, cpu_ms_per_delivery, peak_rps, log_bytes, cpu_ms, sampled_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (minute) DO UPDATE SET
         deliveries = ${t}.deliveries + excluded.deliveries, events = ${t}.events + excluded.events, bytes_in = ${t}.bytes_in + excluded.bytes_in,
         duplicates = ${t}.duplicates + excluded.duplicates, rejected = ${t}.rejected + excluded.rejected,
         p50_ms = greatest(${t}.p50_ms, excluded.p50_ms), p99_ms = greatest(${t}.p99_ms, excluded.p99_ms),
         cpu_ms_per_delivery = excluded.cpu_ms_per_delivery, peak_rps = greatest(${t}.peak_rps, excluded.peak_rps), log_bytes = ${t}.log_bytes + excluded.log_bytes,
         cpu_ms = ${t}.cpu_ms + excluded.cpu_ms, sampled_ms = ${t}.sampled_ms + excluded.sampled_ms`,
        [r.minute, r.deliveries, r.events, r.bytesIn, r.duplicates, r.rejected, r.p50Ms, r.p99Ms, r.cpuMsPerDelivery, r.peakRps, r.logBytes, r.cpuMs, r.sampledMs],
      );
      await c.query(`DELETE FROM ${t} WHERE minute < $1`, [r.minute - retentionDays * 86_400_000]);
    });
  }

  async since(sinceMs: number): Promise<MinuteRollup[]> {
    const r = await this.pg.pool.query(`SELECT * FROM ${this.pg.t('minutes')} WHERE minute >= $1 ORDER BY minute`, [sinceMs]);
    return (r.rows as Record<string, number>[]).map((row) => ({
      minute: row.minute!, deliveries: row.deliveries!, events: row.events!, bytesIn: row.bytes_in!, duplicates: row.duplicates!, rejected: row.rejected!,
      p50Ms: row.p50_ms!, p99Ms: row.p99_ms!, cpuMsPerDelivery: row.cpu_ms_per_delivery!, peakRps: row.peak_rps!, logBytes: row.log_bytes!,
      cpuMs: row.cpu_ms!, sampledMs: row.sampled_ms!,
    }));
  }

  async close(): Promise<void> {
    await this.pg.release();
  }
}
