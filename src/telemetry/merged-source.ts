import type { GatewayView } from './gateway-view.js';
import type { TelemetryHub } from './hub.js';
import { mergedRegistry } from './merge-metrics.js';
import type { LiveTraffic, StoreGauges, TelemetrySource } from './source.js';

/**
 * A receiving process's answer in `serve --processes N`: the whole gateway's
 * figures as the primary has them, with its own reading of the stores.
 *
 * A scrape asks the primary (`ask`) rather than taking the view last sent:
 * the processes get each round's view a moment apart, and two scrapes
 * answered by two processes would otherwise see a counter step back, which
 * Prometheus reads as a reset. Only when the primary does not answer does
 * it fall back to the last view sent; until the first arrives it answers
 * with its own figures, and `processes` then lists itself alone.
 */
export class MergedTelemetry implements TelemetrySource {
  private view: GatewayView | null = null;

  constructor(
    private readonly hub: TelemetryHub,
    private readonly ask: () => Promise<GatewayView | null> = async () => null,
  ) {}

  accept(view: GatewayView): void {
    this.view = view;
  }

  async exposition(store: StoreGauges): Promise<string> {
    const fresh = await this.ask();
    if (fresh !== null) this.view = fresh;
    const view = this.view;
    if (view === null) return this.hub.exposition(store);
    return mergedRegistry([view.metrics, await this.hub.storeGaugesJson(store)]).metrics();
  }

  liveTraffic(now: number): LiveTraffic {
    return this.view?.live ?? this.hub.liveTraffic(now);
  }
}
