import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MinuteRollup } from '../../src/ports/admin-data.js';
import type { TelemetryStore } from '../../src/ports/telemetry-store.js';

const DAY = 86_400_000;
const rollup = (minute: number, deliveries: number, peakRps = 5): MinuteRollup => ({
  minute, deliveries, events: deliveries * 2, bytesIn: deliveries * 600, duplicates: 0, rejected: 0, p50Ms: 2, p99Ms: 9, cpuMsPerDelivery: 0.2, cpuMs: deliveries * 0.2, sampledMs: 60_000, peakRps, logBytes: deliveries * 10,
});

/** What every telemetry store promises: minutes read back in order, summed when two processes close the same one, and pruned past retention. */
export function telemetryStoreContract(engine: string, open: () => Promise<{ store: TelemetryStore; dispose(): Promise<void> }>): void {
  describe(`telemetry store contract (${engine})`, () => {
    test('minutes add up, read back oldest first, and expire after the retention window', async () => {
      const { store, dispose } = await open();
      try {
        const now = Date.UTC(2026, 10, 29, 12, 0);
        await store.save(rollup(now - 40 * DAY, 10), 35);
        await store.save(rollup(now - 120_000, 20), 35);
        await store.save(rollup(now - 60_000, 30, 12), 35);
        await store.save(rollup(now - 60_000, 5, 3), 35);
        const rows = await store.since(0);
        assert.deepEqual(rows.map((r) => r.deliveries), [20, 35]);
        assert.equal(rows[1]!.peakRps, 12);
        assert.deepEqual((await store.since(now - 60_000)).map((r) => r.minute), [now - 60_000]);
      } finally {
        await dispose();
      }
    });
  });
}
