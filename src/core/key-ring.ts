/**
 * A first-in, first-out buffer of 64-bit keys (two 32-bit halves, already
 * uniformly distributed) with their ids, that can also be searched by key.
 * It holds a fixed number of entries in typed arrays: adding one is a few
 * stores and no allocation, and the oldest leave in the order they came.
 *
 * Each slot links to the previous entry of its bucket by sequence number,
 * so a link to an entry that has left (a number below `oldest`) simply ends
 * the search: nothing is ever unlinked.
 *
 * @example
 * const ring = new KeyRing(1024);
 * ring.push(0x1234, 0x5678, 42);
 * ring.find(0x1234, 0x5678); // 42
 * ring.shift(1, (hi, lo, id) => save(hi, lo, id));
 */
export class KeyRing {
  private readonly his: Uint32Array;
  private readonly los: Uint32Array;
  private readonly ids: Float64Array;
  /** Per slot: the sequence number of the previous entry in its bucket, or -1. */
  private readonly links: Float64Array;
  /** Per bucket: the sequence number of its newest entry, or -1. */
  private readonly heads: Float64Array;
  private readonly mask: number;
  private oldest = 0;
  private next = 0;

  /** `capacity` is rounded up to a power of two; memory is 32 bytes per entry. */
  constructor(capacity: number) {
    let size = 1;
    while (size < capacity) size *= 2;
    this.his = new Uint32Array(size);
    this.los = new Uint32Array(size);
    this.ids = new Float64Array(size);
    this.links = new Float64Array(size);
    this.heads = new Float64Array(size).fill(-1);
    // Written once now so the ring's memory is resident from the start: otherwise RSS creeps up while
    // the first lap fills it, and a soak cannot tell that from a leak.
    for (const a of [this.his, this.los, this.ids, this.links]) a.fill(0);
    this.mask = size - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get size(): number {
    return this.next - this.oldest;
  }

  /** Adds an entry; the ring must not be full (shift first). */
  push(hi: number, lo: number, id: number): void {
    if (this.size > this.mask) throw new RangeError('KeyRing is full');
    const seq = this.next++;
    const slot = seq & this.mask;
    const bucket = lo & this.mask;
    this.his[slot] = hi;
    this.los[slot] = lo;
    this.ids[slot] = id;
    this.links[slot] = this.heads[bucket]!;
    this.heads[bucket] = seq;
  }

  /** The id of the newest entry with this key, or undefined. */
  find(hi: number, lo: number): number | undefined {
    for (let seq = this.heads[lo & this.mask]!; seq >= this.oldest; ) {
      const slot = seq & this.mask;
      if (this.his[slot] === hi >>> 0 && this.los[slot] === lo >>> 0) return this.ids[slot];
      seq = this.links[slot]!;
    }
    return undefined;
  }

  /** Removes up to `n` of the oldest entries, oldest first, handing each to `visit`. Returns how many left. */
  shift(n: number, visit: (hi: number, lo: number, id: number) => void): number {
    const count = Math.min(n, this.size);
    for (let i = 0; i < count; i++) {
      const slot = this.oldest & this.mask;
      visit(this.his[slot]!, this.los[slot]!, this.ids[slot]!);
      this.oldest++;
    }
    return count;
  }

  /** Every entry held, oldest first, without removing them. */
  forEach(visit: (hi: number, lo: number, id: number) => void): void {
    for (let seq = this.oldest; seq < this.next; seq++) {
      const slot = seq & this.mask;
      visit(this.his[slot]!, this.los[slot]!, this.ids[slot]!);
    }
  }
}
