/**
 * A Bloom filter over 64-bit keys given as two 32-bit halves (already
 * uniformly distributed, e.g. taken from a SHA-256 digest). "No" is certain;
 * "maybe" must be confirmed elsewhere. Probes use double hashing
 * (Kirsch–Mitzenmacher), so one key costs a few integer operations.
 *
 * @example
 * const f = new BloomFilter(1 << 20);
 * f.add(0x1234, 0x5678);
 * f.mayContain(0x1234, 0x5678); // true
 */
export class BloomFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  private count = 0;

  /** `capacity` keys at about 0.2% false positives (16 bits and 5 probes per key); more keys only raise that rate. */
  constructor(capacity: number, private readonly probes = 5) {
    let size = 1 << 15;
    while (size < capacity * 16) size *= 2;
    this.bits = new Uint32Array(size / 32);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  add(hi: number, lo: number): void {
    const step = (lo | 1) >>> 0;
    let h = hi >>> 0;
    for (let i = 0; i < this.probes; i++) {
      const bit = h & this.mask;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
      h = (h + step) >>> 0;
    }
    this.count++;
  }

  mayContain(hi: number, lo: number): boolean {
    const step = (lo | 1) >>> 0;
    let h = hi >>> 0;
    for (let i = 0; i < this.probes; i++) {
      const bit = h & this.mask;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
      h = (h + step) >>> 0;
    }
    return true;
  }
}
