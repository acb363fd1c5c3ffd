import type { MinuteRollup } from '../ports/admin-data.js';
import type { TelemetryStore } from '../ports/telemetry-store.js';

/**
 * Saves each closed minute without holding up the timer that closed it;
 * `settled` waits for the saves still running (before the store closes).
 */
export function rollupSaver(store: TelemetryStore, retentionDays: number, failed: (e: unknown) => void): { save(r: MinuteRollup): void; settled(): Promise<void> } {
  const saving = new Set<Promise<void>>();
  return {
    save(r) {
      const p = store.save(r, retentionDays).catch(failed);
      saving.add(p);
      void p.finally(() => saving.delete(p));
    },
    settled: async () => {
      await Promise.all(saving);
    },
  };
}
