import type { GatewayView } from './gateway-view.js';
import type { TelemetryHub } from './hub.js';
import { mergedRegistry } from './merge-metrics.js';
import type { LiveTraffic, StoreGauges, TelemetrySource } from './source.js';

/**
 * A receiving process's answer in `serve --processes N`: the whole gateway's
 * figures as the primary last sent them (about a second old), with its own
 * reading of the stores. Until the first view arrives it answers with its
 * own figures, and `processes` then lists itself alone.
 */
export class MergedTelemetry implements TelemetrySource {
  private view: GatewayView | null = null;

  constructor(private readonly hub: TelemetryHub) {}

  accept(view: GatewayView): void {
    this.view = view;
  }

  async exposition(store: StoreGauges): Promise<string> {
    const view = this.view;
    if (view === null) return this.hub.exposition(store);
    return mergedRegistry([view.metrics, await this.hub.storeGaugesJson(store)]).metrics();
  }

  liveTraffic(now: number): LiveTraffic {
    return this.view?.live ?? this.hub.liveTraffic(now);
  }
}
