import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactlyOnce, expectedKeys, mix } from './backlog.js';

test('the backlog holds the asked number of deliveries, and its duplicates carry no event of their own', () => {
  const { bodies } = mix(400);
  assert.equal(bodies.length, 400);
  const dups = 400 * 0.05;
  const originals = expectedKeys(bodies.slice(0, 400 - dups));
  const all = expectedKeys(bodies);
  assert.deepEqual([...all].sort(), [...originals].sort());
  for (const b of bodies.slice(400 - dups)) assert.match(b, /"retry":1/);
});

test('every message of the backlog yields one event and one per status, each key once', () => {
  const { bodies } = mix(40);
  const keys = expectedKeys(bodies.slice(0, 38));
  const parsed = bodies.slice(0, 38).map((b) => JSON.parse(b) as { entry: { changes: { value: { messages?: unknown[]; statuses?: unknown[] } }[] }[] });
  const updates = parsed.reduce((n, p) => n + (p.entry[0]!.changes[0]!.value.messages?.length ?? 0) + (p.entry[0]!.changes[0]!.value.statuses?.length ?? 0), 0);
  assert.equal(keys.size, updates);
});

test('the exactly-once check names what is missing, extra or stored twice', () => {
  const expected = new Set(['a', 'b', 'c']);
  assert.equal(exactlyOnce(expected, ['a', 'b', 'c']).ok, true);
  assert.deepEqual(exactlyOnce(expected, ['a', 'b']), { expected: 3, rows: 2, missing: 1, unexpected: 0, duplicated: 0, ok: false });
  assert.deepEqual(exactlyOnce(expected, ['a', 'b', 'c', 'd']), { expected: 3, rows: 4, missing: 0, unexpected: 1, duplicated: 0, ok: false });
  assert.deepEqual(exactlyOnce(expected, ['a', 'b', 'c', 'c']), { expected: 3, rows: 4, missing: 0, unexpected: 0, duplicated: 1, ok: false });
});
