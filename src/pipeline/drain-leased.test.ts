import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliveryLog, LogPage, StoredDelivery } from '../ports/delivery-log.js';
import type { EventStore } from '../ports/event-store.js';
import { drainOnce } from './drain.js';

const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
const d: StoredDelivery = { id: 'm1', tenant: 'default', provider: 'cloud_api', receivedAt: 1, bytes: body.length, headers: {}, body };

/** A leased log (a queue) that records what was acknowledged and what was given back. */
function leasedLog(): DeliveryLog & { acked: string[]; released: string[] } {
  const acked: string[] = [];
  const released: string[] = [];
  return {
    acked,
    released,
    read: async (from) => ({ deliveries: [d], next: from }),
    ack: async (page: LogPage) => { acked.push(...page.deliveries.map((x) => x.id)); },
    release: async (page: LogPage) => { released.push(...page.deliveries.map((x) => x.id)); },
    latest: async () => [],
    backlog: async () => null,
    edgeCounters: async () => ({ received: 0, stored: 0, duplicates: 0, rejected: {} }),
    close: async () => {},
  };
}

const store = (fail: boolean): EventStore => ({
  ingest: async (req) => {
    assert.equal(req.checkpoint, undefined, 'a queue has no checkpoint to move');
    if (fail) throw new Error('store down');
    return { inserted: 1, duplicates: 0, applied: true, byKind: {} };
  },
  checkpoint: async () => '',
  close: async () => {},
});

test('a leased page is acknowledged only after its ingest commits; a failed ingest gives it back to come again', async () => {
  const ok = leasedLog();
  assert.equal((await drainOnce(ok, store(false), 10, [])).deliveries, 1);
  assert.deepEqual([ok.acked, ok.released], [['m1'], []]);
  const down = leasedLog();
  await assert.rejects(drainOnce(down, store(true), 10, []), /store down/);
  assert.deepEqual([down.acked, down.released], [[], ['m1']]);
});
