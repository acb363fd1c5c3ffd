import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startProgress } from './progress.js';

const state = { sent: 40, retries: 0, answered: 30, ok: 25, failed: 2 };

test('on a terminal the progress line is redrawn in place and ends with a newline', () => {
  let text = '';
  startProgress({ write: (s) => { text += s; }, isTTY: true }, 100, state).stop();
  assert.match(text, /^\r\x1b\[2K[\d.]+ s {2}sent 40\/100 \(40%\) {2}ok 25 {2}not ok 7\n$/);
});

test('elsewhere it writes plain lines', () => {
  let text = '';
  startProgress({ write: (s) => { text += s; } }, 100, state).stop();
  assert.doesNotMatch(text, /\r|\x1b/);
  assert.match(text, /sent 40\/100 \(40%\) {2}ok 25 {2}not ok 7\n$/);
});

test('re-sends of failed requests are shown once there are any', () => {
  let text = '';
  startProgress({ write: (s) => { text += s; } }, 100, { ...state, retries: 3 }).stop();
  assert.match(text, /sent 40\/100 \(40%\) {2}ok 25 {2}not ok 7 {2}retries 3\n$/);
});
