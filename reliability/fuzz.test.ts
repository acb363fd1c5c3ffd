import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzz } from './fuzz.js';

test('2,000 mutated, signed deliveries: no 5xx, every request answered, the process up and the worker not stuck (short form)', async () => {
  const seed = Math.floor(Math.random() * 1_000_000);
  const r = await fuzz({ count: 2000, seed, rate: 2000, connections: 20 });
  const replay = `replay with: node dist/reliability/fuzz.js --count 2000 --seed ${seed}`;
  assert.equal(r.sent, 2000, replay);
  assert.equal(r.unanswered, 0, replay);
  assert.equal(r.fiveHundreds, 0, `${JSON.stringify(r.statuses)}; ${replay}`);
  // Mutants reach both sides of the parser: some are still envelopes and stored, most are refused.
  assert.ok((r.statuses['200'] ?? 0) > 0 && (r.statuses['400'] ?? 0) > 0, JSON.stringify(r.statuses));
  assert.equal(r.aliveAfter, true, replay);
  assert.equal(r.drained, true, replay);
  assert.equal(r.exitCode, 0, replay);
});
