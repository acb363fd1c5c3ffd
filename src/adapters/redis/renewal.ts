/**
 * Calls `renew` every `everyMs` while `holding(true)`: a consumer busy with
 * a slow page keeps its entries instead of looking dead to the others. A
 * failed renewal is only counted; the next one may still come in time.
 */
export class Renewal {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  /** Renewals that failed (the server was away, or answered an error). */
  failures = 0;

  constructor(
    private readonly renew: () => Promise<unknown>,
    private readonly everyMs: number,
  ) {}

  holding(yes: boolean): void {
    if (!yes) return this.stop();
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      // One at a time: a renewal slower than the interval is not stacked up behind.
      if (this.running !== null) return;
      this.running = this.renew().catch(() => this.failures++).finally(() => (this.running = null));
    }, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
