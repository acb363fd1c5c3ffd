import type { GatewayView } from './gateway-view.js';
import type { TelemetryHub } from './hub.js';
import { mergedRegistry } from './merge-metrics.js';
import type { LiveTraffic, StoreGauges, TelemetrySource } from './source.js';

/**
 * A receiving process's answer in `serve --processes N`: the whole gateway's
 * figures as the primary has them, with its own reading of the stores.
 *
 * A scrape asks the primary (`ask`) rather than taking the view last sent,
 * and no answer is kept to be given again: the processes get each round's
 * view a moment apart, and two scrapes answered by two processes would
 * otherwise see a counter step back, which Prometheus reads as a reset.
 * When the primary does not answer in time, `ask` rejects and the scrape is
 * refused (503): a missed scrape is a gap, a step back is a false reset.
 * Where there is no primary to ask (`ask` gives null) it answers with the
 * view last sent; until the first arrives, with its own figures, and
 * `processes` then lists itself alone.
 */
export class MergedTelemetry implements TelemetrySource {
  private view: GatewayView | null = null;
  /** The last exposition made, by the view and the store reading it was made of: rendering is most of a scrape's cost. */
  private rendered: { readonly key: string; readonly text: string } | null = null;
  readonly expositionMaxAgeMs = 0;

  constructor(
    private readonly hub: TelemetryHub,
    private readonly ask: () => Promise<GatewayView | null> = async () => null,
  ) {}

  accept(view: GatewayView): void {
    if (this.view === null || view.seq >= this.view.seq) this.view = view;
  }

  async exposition(store: StoreGauges): Promise<string> {
    const fresh = await this.ask();
    if (fresh !== null) this.accept(fresh);
    const view = this.view;
    if (view === null) return this.hub.exposition(store);
    const key = `${view.seq} ${JSON.stringify(store)}`;
    if (this.rendered?.key !== key) this.rendered = { key, text: await mergedRegistry([view.metrics, await this.hub.storeGaugesJson(store)]).metrics() };
    return this.rendered.text;
  }

  liveTraffic(now: number): LiveTraffic {
    return this.view?.live ?? this.hub.liveTraffic(now);
  }
}
