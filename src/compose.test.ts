import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writerThread } from './compose.js';

test('the store writer gets its own thread from four cores up, or when asked; otherwise the event loop commits', () => {
  assert.equal(writerThread('auto', 1), false);
  assert.equal(writerThread('auto', 2), false);
  assert.equal(writerThread('auto', 3), false);
  assert.equal(writerThread('auto', 4), true);
  assert.equal(writerThread('auto', 16), true);
  assert.equal(writerThread('thread', 1), true);
  assert.equal(writerThread('inline', 16), false);
});
