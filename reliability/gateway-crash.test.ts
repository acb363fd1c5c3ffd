import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatewayCrash } from './gateway-crash.js';
import { enginesToTest } from './lib.js';

// The short forms: the full ones (20 gateway kills) are run by hand, see RELIABILITY.md.

for (const { engine, skip } of await enginesToTest()) {
  test(`${engine}: serve killed with SIGKILL mid-burst, twice; every acknowledged delivery is stored and becomes exactly one event`, { skip }, async () => {
    const r = await gatewayCrash({ engine, rounds: 2, burst: 2000, rate: 5000, connections: 50 });
    assert.equal(r.rounds.length, 2);
    for (const round of r.rounds) {
      assert.ok(round.killAtMs >= 0, 'the kill landed inside the burst');
      assert.ok(round.acked < 2000, `round acknowledged ${round.acked} of 2000: the kill cut the burst`);
    }
    assert.ok(r.acked > 0);
    assert.equal(r.lost, 0);
    assert.equal(r.duplicated, 0);
    // Committed but unanswered deliveries are stored too; nothing else is.
    assert.ok(r.storedDeliveries >= r.acked);
    assert.equal(r.messageEvents, r.storedDeliveries);
  });
}
