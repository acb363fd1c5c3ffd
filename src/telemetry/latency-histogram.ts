/**
 * Fixed-bucket latency histogram: 0.1 ms resolution up to 100 ms, then 1 ms
 * up to 2 s. Recording is an array increment, so it can sit on the hot path,
 * and percentiles are exact to a bucket.
 */
const FINE = 1000;
const COARSE = 1900;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(FINE + COARSE + 1);
  count = 0;

  record(ms: number): void {
    const i = ms < 100 ? Math.floor(ms * 10) : ms < 2000 ? FINE + Math.floor(ms - 100) : FINE + COARSE;
    this.counts[i < 0 ? 0 : i]!++;
    this.count++;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
  }

  /** The non-empty buckets as flat `[bucket, count, …]` pairs: a second's worth is a few numbers, not the whole array. */
  entries(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i]! > 0) out.push(i, this.counts[i]!);
    return out;
  }

  /** Adds what `entries()` of another histogram returned; pairs that name no bucket are ignored. */
  addEntries(pairs: readonly number[]): void {
    for (let k = 0; k + 1 < pairs.length; k += 2) {
      const i = pairs[k]!;
      const n = pairs[k + 1]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.counts.length || !(n > 0)) continue;
      this.counts[i]! += n;
      this.count += n;
    }
  }

  /** Upper edge of the bucket holding the p-quantile, in ms (0 when empty). */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(p * this.count);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i < FINE ? (i + 1) / 10 : i < FINE + COARSE ? 100 + (i - FINE) + 1 : 2000;
    }
    return 2000;
  }
}
