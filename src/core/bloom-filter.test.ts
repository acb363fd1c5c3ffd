import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { BloomFilter } from './bloom-filter.js';

const key = (i: number): [number, number] => {
  const d = createHash('sha256').update(String(i)).digest();
  return [d.readUInt32LE(0), d.readUInt32LE(4)];
};

test('never answers no for a key it holds', () => {
  const f = new BloomFilter(10_000);
  for (let i = 0; i < 10_000; i++) f.add(...key(i));
  for (let i = 0; i < 10_000; i++) assert.equal(f.mayContain(...key(i)), true, `key ${i}`);
  assert.equal(f.size, 10_000);
});

test('false positives stay near the design rate at capacity and grow gracefully past it', () => {
  const rate = (f: BloomFilter, from: number): number => {
    let hits = 0;
    for (let i = from; i < from + 100_000; i++) if (f.mayContain(...key(i))) hits++;
    return hits / 100_000;
  };
  const f = new BloomFilter(20_000);
  for (let i = 0; i < 20_000; i++) f.add(...key(i));
  const atCapacity = rate(f, 1_000_000);
  assert.ok(atCapacity < 0.01, `at capacity: ${atCapacity}`);
  for (let i = 20_000; i < 80_000; i++) f.add(...key(i));
  const overfull = rate(f, 2_000_000);
  assert.ok(overfull > atCapacity && overfull < 0.5, `4x capacity: ${overfull}`);
});

test('an empty filter holds nothing', () => {
  const f = new BloomFilter(0);
  for (let i = 0; i < 1000; i++) assert.equal(f.mayContain(...key(i)), false);
});
