import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WahookEvent } from '../core/events.js';
import type { Backlog, DeliveryLog } from '../ports/delivery-log.js';
import type { EventQuery } from '../ports/event-query.js';
import { verifyEvents } from './verify.js';

const message = (id: string): WahookEvent => ({ kind: 'message', messageId: id }) as unknown as WahookEvent;

/** A log whose backlog and a store whose events the test moves by hand. */
function world(backlog: () => Backlog | null) {
  const events: WahookEvent[] = [];
  const log = { backlog: async () => backlog() } as unknown as DeliveryLog;
  const query = { stats: async () => ({ checkpoint: '0' }), events: async () => [...events] } as unknown as EventQuery;
  return { log, query, events };
}

test('on a queue whose depth is approximate, verify waits for it to stay empty, so a copy inserted after every event was found still counts', async () => {
  let depth = 2;
  const w = world(() => ({ count: depth, oldestReceivedAt: null, approximate: true }));
  w.events.push(message('run1-a'), message('run1-b'));
  // The worker is still busy with a re-delivery of "a": it lands after every expected event is already there.
  setTimeout(() => {
    w.events.push(message('run1-a'));
    depth = 0;
  }, 300);
  const r = await verifyEvents({ log: w.log, query: w.query, expected: new Set(['message:run1-a', 'message:run1-b']), tag: 'run1', sinceMs: 0, timeoutMs: 20_000 });
  assert.equal(r.lost, 0);
  assert.equal(r.duplicated, 1);
  assert.equal(r.caughtUp, true);
  assert.ok(r.waitedMs >= 300, `waited ${r.waitedMs} ms`);
});

test('on an exact log, an empty backlog ends the wait at once; on a log that cannot say, finding every event does', async () => {
  const exact = world(() => null);
  exact.events.push(message('run2-a'));
  const r = await verifyEvents({ log: exact.log, query: exact.query, expected: new Set(['message:run2-a']), tag: 'run2', sinceMs: 0, timeoutMs: 20_000 });
  assert.deepEqual([r.lost, r.duplicated, r.caughtUp], [0, 0, true]);
  const blind = world(() => { throw new Error('unsupported'); });
  blind.events.push(message('run3-a'));
  const b = await verifyEvents({ log: blind.log, query: blind.query, expected: new Set(['message:run3-a']), tag: 'run3', sinceMs: 0, timeoutMs: 20_000 });
  assert.deepEqual([b.lost, b.caughtUp], [0, true]);
  assert.ok(b.waitedMs < 5_000);
});
