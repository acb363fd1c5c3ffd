/**
 * mulberry32: a small deterministic generator in [0, 1), so a traffic mix or
 * a fuzz case can be reproduced from its seed.
 * @example const r = seededRandom(7); r() // the same first value for seed 7, every time
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
