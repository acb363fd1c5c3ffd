/**
 * Exponential backoff with full jitter: the delay before attempt n+1 is
 * uniform in [0, min(max, base * 2^n)), which spreads retries of a burst of
 * failures instead of replaying the burst.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 *
 * @example
 * backoffMs(3, { baseMs: 1000, maxMs: 300_000 }, Math.random) // somewhere in [0, 8000)
 */
export function backoffMs(attempt: number, opts: { baseMs: number; maxMs: number }, random: () => number): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
