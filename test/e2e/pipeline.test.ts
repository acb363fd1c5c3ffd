import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { replay } from '../../src/pipeline/drain.js';
import { collectStats } from '../../src/pipeline/stats.js';
import { tempDir } from '../helpers/gateway.js';
import { cloudEnvelope, drainAll, messagesChange, openStores, seedDeliveries, status, textMessage } from '../helpers/pipeline.js';

async function statsOf(dir: string, now = Date.now()) {
  const s = await openStores(dir);
  try {
    return await collectStats(s.log, s.query, s.jobs, now);
  } finally {
    await s.close();
  }
}

describe('pipeline: batches, duplicates and status order', () => {
  let dir: string;
  before(() => { dir = tempDir(); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every entry, change, message and status of a batched delivery becomes an event', async () => {
    // Prepare: 3 entries x 2 changes, 1,000 updates in all, plus one other field.
    const entries = [0, 1, 2].map((e) => ({
      id: `waba-${e}`,
      changes: [
        messagesChange({ messages: Array.from({ length: 150 }, (_, i) => textMessage(`wamid.b${e}.${i}`, `1650555${String(i).padStart(4, '0')}`, 1_700_000_000 + i)) }),
        messagesChange({ statuses: Array.from({ length: 183 }, (_, i) => status(`wamid.out${e}.${i}`, 'delivered', 1_700_000_000 + i)) }),
      ],
    }));
    entries[2]!.changes.push({ field: 'account_update', value: { phone_number: '15550783881', event: 'VERIFIED_ACCOUNT' } } as never);
    await seedDeliveries(dir, [{ object: 'whatsapp_business_account', entry: entries }]);
    // Act
    const s = await drainAll(dir);
    const q = s.query;
    // Assess
    const stats = await q.stats();
    assert.equal(stats.eventsByKind.message, 450);
    assert.equal(stats.eventsByKind.status, 549);
    assert.equal(stats.eventsByKind.field, 1);
    assert.equal(stats.events, 1000);
    assert.equal((await q.events({ type: 'account_update' })).length, 1);
    await s.close();
  });

  test('the same update in another delivery is a duplicate, not a second event', async () => {
    const d1 = cloudEnvelope([messagesChange({ messages: [textMessage('wamid.dup', '16505550001', 1_700_000_100)] })]);
    const d2 = { ...cloudEnvelope([messagesChange({ messages: [textMessage('wamid.dup', '16505550001', 1_700_000_100)], contacts: [{ wa_id: '16505550001', profile: { name: 'A' } }] })]) };
    await seedDeliveries(dir, [d1, d2]);
    const s = await drainAll(dir);
    const q = s.query;
    assert.equal((await q.events({ kind: 'message' })).filter((e) => e.messageId === 'wamid.dup').length, 1);
    assert.ok((await q.stats()).duplicates >= 1);
    await s.close();
  });

  test('statuses out of order and repeated end in the highest rank; an early status waits for its message', async () => {
    const id = 'wamid.order';
    const bodies = [
      cloudEnvelope([messagesChange({ statuses: [status(id, 'read', 1_700_000_300)] })]),
      cloudEnvelope([messagesChange({ statuses: [status(id, 'sent', 1_700_000_100), status(id, 'delivered', 1_700_000_200)] })]),
      cloudEnvelope([messagesChange({ statuses: [status(id, 'read', 1_700_000_300), status(id, 'sent', 1_700_000_100)] })]),
      cloudEnvelope([messagesChange({ statuses: [status('wamid.fail', 'sent', 1_700_000_100), status('wamid.fail', 'failed', 1_700_000_150, '16505551234', { errors: [{ code: 131026, title: 'Message undeliverable' }] })] })]),
    ];
    await seedDeliveries(dir, bodies);
    const s = await drainAll(dir);
    const q = s.query;
    const messages = await q.messages(10_000);
    const m = messages.find((x) => x.messageId === id)!;
    assert.equal(m.status, 'read');
    assert.deepEqual(m.statusHistory.map((h) => h.status), ['sent', 'delivered', 'read']);
    const f = messages.find((x) => x.messageId === 'wamid.fail')!;
    assert.equal(f.status, 'failed');
    assert.deepEqual((f.failed as { errors: { code: number }[] }).errors[0]!.code, 131026);
    // The outbound message itself appears later (an echo); its status is already there.
    await seedDeliveries(dir, [cloudEnvelope([{ field: 'smb_message_echoes', value: {} }]), cloudEnvelope([messagesChange({ messages: [textMessage(id, '16505551234', 1_700_000_050)] })])]);
    const again = await drainAll(dir);
    const m2 = (await again.query.messages(10_000)).find((x) => x.messageId === id)!;
    assert.equal(m2.status, 'read');
    assert.equal(m2.type, 'text');
    await s.close();
    await again.close();
  });

  test('contacts keep the profile name and the 24-hour window', async () => {
    const s = await drainAll(dir);
    const row = (await s.query.contacts(100)).find((c) => c.contact === '16505550001')!;
    assert.equal(row.profileName, 'A');
    assert.equal(row.windowOpenUntil! - row.lastInboundAt!, 24 * 3600 * 1000);
    await s.close();
  });

  test('replay adds no events and no jobs', async () => {
    const s = await drainAll(dir, ['handler']);
    const before = await collectStats(s.log, s.query, s.jobs, Date.now());
    const r = await replay(s.log, s.events, {}, [{ name: 'handler' }]);
    const after = await collectStats(s.log, s.query, s.jobs, Date.now());
    assert.ok(r.deliveries >= 8);
    assert.equal(r.inserted, 0);
    assert.equal(after.events, before.events);
    assert.equal(after.jobsPending, before.jobsPending);
    await s.close();
  });

  test('stats report queue depth and the age of the oldest pending delivery', async () => {
    const other = tempDir();
    await seedDeliveries(other, [cloudEnvelope([messagesChange({ messages: [textMessage('wamid.q1', '1', 1)] })]), cloudEnvelope([messagesChange({ messages: [textMessage('wamid.q2', '1', 2)] })])]);
    const s = await statsOf(other, Date.now() + 5000);
    assert.equal(s.queueDepth, 2);
    assert.ok(s.oldestPendingAgeMs >= 5000);
    await (await drainAll(other)).close();
    const s2 = await statsOf(other);
    assert.equal(s2.queueDepth, 0);
    assert.equal(s2.events, 2);
    rmSync(other, { recursive: true, force: true });
  });
});
