import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { LayeredBloom } from './layered-bloom.js';

const key = (i: number): [number, number] => {
  const d = createHash('sha256').update(String(i)).digest();
  return [d.readUInt32LE(0), d.readUInt32LE(4)];
};

test('grows by layers of twice the capacity, and never answers no for a key it holds', () => {
  const f = new LayeredBloom(1_000);
  for (let i = 0; i < 7_000; i++) f.add(...key(i), i);
  // 1,000 + 2,000 + 4,000 keys: three layers, no rebuild.
  assert.equal(f.layerCount, 3);
  assert.equal(f.size, 7_000);
  for (let i = 0; i < 7_000; i++) assert.equal(f.mayContain(...key(i)), true, `key ${i}`);
});

test('false positives stay bounded by the layers\' rates added up', () => {
  const f = new LayeredBloom(10_000);
  for (let i = 0; i < 70_000; i++) f.add(...key(i), i);
  let hits = 0;
  for (let i = 1_000_000; i < 1_100_000; i++) if (f.mayContain(...key(i))) hits++;
  assert.ok(hits / 100_000 < 0.01, `three layers at capacity: ${hits / 100_000}`);
});

test('layers whose ids are all below the floor go, the newest never, and what remains is still found', () => {
  const f = new LayeredBloom(100);
  for (let i = 0; i < 700; i++) f.add(...key(i), i);
  assert.equal(f.layerCount, 3);
  assert.equal(f.dropBelow(50), 0, 'the first layer still holds ids 50..99');
  assert.equal(f.dropBelow(100), 1);
  assert.equal(f.layerCount, 2);
  for (let i = 100; i < 700; i++) assert.equal(f.mayContain(...key(i)), true, `key ${i}`);
  assert.equal(f.dropBelow(10_000), 1, 'every id is below the floor, but the newest layer stays');
  assert.equal(f.layerCount, 1);
  f.add(...key(5_000), 5_000);
  assert.equal(f.mayContain(...key(5_000)), true);
});
