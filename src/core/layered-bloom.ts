import { BloomFilter } from './bloom-filter.js';

interface Layer {
  readonly filter: BloomFilter;
  readonly capacity: number;
  /** The highest id added to this layer: once every id up to it is gone, so may the layer be. */
  maxId: number;
}

/**
 * A Bloom filter that grows without being rebuilt: once its newest layer
 * holds its capacity, a layer of twice that capacity takes the next keys,
 * and a lookup asks every layer. Rebuilding one larger filter instead means
 * reading every key again, which stops whoever holds the filter for as
 * long as that takes. Each layer keeps the highest id added to it, so
 * layers whose keys all belong to deleted rows can be dropped
 * (`dropBelow`). "No" is certain; "maybe" must be confirmed elsewhere.
 *
 * @example
 * const f = new LayeredBloom(1 << 20);
 * f.add(0x1234, 0x5678, 42);
 * f.mayContain(0x1234, 0x5678); // true
 * f.dropBelow(43); // the layer holding only id 42 goes (unless it is the newest)
 */
export class LayeredBloom {
  private layers: Layer[] = [];

  constructor(private readonly firstCapacity: number) {
    this.layers.push(layer(firstCapacity));
  }

  /** Keys added since the filter was made, across the layers it still keeps. */
  get size(): number {
    return this.layers.reduce((n, l) => n + l.filter.size, 0);
  }

  get layerCount(): number {
    return this.layers.length;
  }

  add(hi: number, lo: number, id: number): void {
    let top = this.layers[this.layers.length - 1]!;
    if (top.filter.size >= top.capacity) {
      top = layer(top.capacity * 2);
      this.layers.push(top);
    }
    top.filter.add(hi, lo);
    if (id > top.maxId) top.maxId = id;
  }

  mayContain(hi: number, lo: number): boolean {
    for (let i = this.layers.length - 1; i >= 0; i--) if (this.layers[i]!.filter.mayContain(hi, lo)) return true;
    return false;
  }

  /**
   * Drops the layers whose every id is below `floor` (their rows are gone),
   * never the newest, which takes the next keys. Returns how many went.
   */
  dropBelow(floor: number): number {
    const before = this.layers.length;
    const newest = this.layers[before - 1]!;
    this.layers = this.layers.filter((l) => l === newest || l.maxId >= floor);
    return before - this.layers.length;
  }
}

function layer(capacity: number): Layer {
  return { filter: new BloomFilter(capacity), capacity: Math.max(1, capacity), maxId: -Infinity };
}
