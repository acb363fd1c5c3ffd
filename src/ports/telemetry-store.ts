import type { MinuteRollup } from './admin-data.js';

/** Per-minute traffic rollups for the cost planner and the dashboard, kept for a retention window. */
export interface TelemetryStore {
  /** Adds a minute's figures (a minute written twice, by two processes, is summed). */
  save(rollup: MinuteRollup, retentionDays: number): Promise<void>;
  /** Minutes from `sinceMs` on, oldest first. */
  since(sinceMs: number): Promise<MinuteRollup[]>;
  close(): Promise<void>;
}
