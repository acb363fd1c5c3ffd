/**
 * A counter one thread bumps and another watches, in one Int32 of a
 * SharedArrayBuffer: bumping costs one atomic add, and a watcher learns that
 * something happened without a message or a wake-up.
 */
export class SharedCounter {
  readonly shared: Int32Array;

  /** A new counter, or a view of one another thread created (its `shared`). */
  constructor(shared?: Int32Array) {
    this.shared = shared ?? new Int32Array(new SharedArrayBuffer(4));
  }

  bump(): void {
    Atomics.add(this.shared, 0, 1);
  }

  /** A check that is true when the counter moved since the last check (the first: since the watcher was made). */
  watcher(): () => boolean {
    let seen = Atomics.load(this.shared, 0);
    return () => {
      const now = Atomics.load(this.shared, 0);
      const moved = now !== seen;
      seen = now;
      return moved;
    };
  }
}
