interface Waiting<T> {
  readonly item: T;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * Calls made in one turn of the event loop, or while the previous flush is
 * under way, share the next flush: one statement for many items, so the
 * round trips per item fall as the load grows. Each caller is answered once
 * its own flush has committed, and every caller of a failed flush gets its
 * error.
 */
export class Coalesced<T> {
  private queue: Waiting<T>[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly flush: (items: readonly T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.flushing ??= this.run();
    });
  }

  /** Resolves once everything added so far has been flushed (or has failed). */
  async settled(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  private async run(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.flush(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    this.flushing = null;
  }
}
