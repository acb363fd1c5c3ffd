import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { KeyRing } from './key-ring.js';

const key = (i: number): [number, number] => {
  const d = createHash('sha256').update(String(i)).digest();
  return [d.readUInt32LE(0), d.readUInt32LE(4)];
};

test('finds every key it holds, and nothing else', () => {
  const ring = new KeyRing(1000);
  assert.equal(ring.capacity, 1024);
  for (let i = 0; i < 1000; i++) ring.push(...key(i), i + 1);
  for (let i = 0; i < 1000; i++) assert.equal(ring.find(...key(i)), i + 1, `key ${i}`);
  for (let i = 1000; i < 2000; i++) assert.equal(ring.find(...key(i)), undefined, `key ${i}`);
  assert.equal(ring.size, 1000);
});

test('keys sharing a bucket, or one half, are told apart; the newest of an equal key wins', () => {
  const ring = new KeyRing(8);
  // Same low bits (one bucket), different high halves; then the same high half with another low half.
  ring.push(1, 0x10, 100);
  ring.push(2, 0x10, 200);
  ring.push(1, 0x18, 300);
  assert.equal(ring.find(1, 0x10), 100);
  assert.equal(ring.find(2, 0x10), 200);
  assert.equal(ring.find(1, 0x18), 300);
  assert.equal(ring.find(3, 0x10), undefined);
  ring.push(1, 0x10, 400);
  assert.equal(ring.find(1, 0x10), 400);
  // Halves past 2^31 compare as unsigned.
  ring.push(0xffffffff, 0x80000000, 500);
  assert.equal(ring.find(0xffffffff, 0x80000000), 500);
  assert.equal(ring.find(-1, -0x80000000), 500);
});

test('shift hands out the oldest first; what left is no longer found, across many wrap-arounds', () => {
  const ring = new KeyRing(16);
  let pushed = 0;
  let shifted = 0;
  for (let round = 0; round < 1000; round++) {
    while (ring.size < ring.capacity) {
      ring.push(...key(pushed), pushed);
      pushed++;
    }
    assert.throws(() => ring.push(1, 2, 3), RangeError);
    const n = 1 + (round % 7);
    const out: number[] = [];
    assert.equal(ring.shift(n, (_hi, _lo, id) => out.push(id)), n);
    assert.deepEqual(out, Array.from({ length: n }, (_, i) => shifted + i));
    for (const id of out) assert.equal(ring.find(...key(id)), undefined);
    shifted += n;
    assert.equal(ring.find(...key(shifted)), shifted);
    assert.equal(ring.find(...key(pushed - 1)), pushed - 1);
  }
  const held: number[] = [];
  ring.forEach((_hi, _lo, id) => held.push(id));
  assert.deepEqual(held, Array.from({ length: ring.size }, (_, i) => shifted + i));
  assert.equal(ring.shift(1000, () => {}), held.length);
  assert.equal(ring.size, 0);
});
