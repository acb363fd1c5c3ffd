import { SharedCounter } from '../core/shared-counter.js';

/**
 * The edge's webhook traffic as a counter shared with the worker thread (one
 * Int32 in a SharedArrayBuffer, so noting a request costs one atomic add).
 *
 * Why the worker paces itself: at the CPU it already yields (idle class),
 * but its synced writes share the disk with the edge's, and each edge fsync
 * can wait behind them. Resting as long as it worked while the edge has
 * traffic brings the edge's p99 during a drain close to an idle gateway's
 * (BENCHMARKS.md, event pipeline).
 */
export class EdgeActivity {
  private readonly counter: SharedCounter;

  constructor(shared?: Int32Array) {
    this.counter = new SharedCounter(shared);
  }

  get shared(): Int32Array {
    return this.counter.shared;
  }

  note(): void {
    this.counter.bump();
  }

  /** After a busy step of `ms`, how long the worker rests: as long again if the edge took webhooks meanwhile, else 0. */
  pacer(): (ms: number) => number {
    const edgeWasBusy = this.counter.watcher();
    return (ms) => (edgeWasBusy() ? ms : 0);
  }
}
