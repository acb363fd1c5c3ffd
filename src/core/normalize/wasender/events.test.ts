import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadFixture } from '../../../../test/helpers/fixtures.js';
import type { DeliveryRef, WahookEvent } from '../../events.js';
import { normalize } from '../index.js';
import { mapStatus } from './events.js';

const ref: DeliveryRef = { tenant: 'shop', provider: 'wasender', deliveryId: '22', receivedAt: 1_800_000_000_000 };

function events(fixture: string): WahookEvent[] {
  const result = normalize(ref, loadFixture(`wasender/${fixture}`));
  assert.equal(result.contacts.length, 0, `${fixture} reveals no inbound contact facts`);
  return result.events;
}

describe('wasender status events', () => {
  it('maps the documented numeric codes onto the shared status vocabulary', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(mapStatus), ['failed', 'pending', 'sent', 'delivered', 'read', 'played']);
    assert.deepEqual(['READ', 'DELIVERY_ACK', 'SERVER_ACK', 'ERROR', '4', 'mystery'].map(mapStatus), ['read', 'delivered', 'sent', 'failed', 'read', 'mystery']);
    assert.equal(mapStatus(undefined), undefined);
    assert.equal(mapStatus(''), undefined);
  });

  it('maps a numeric messages.update to a status event', () => {
    const [e, ...rest] = events('messages-update.json');
    assert.equal(rest.length, 0);
    assert.equal(e?.kind, 'status');
    assert.equal(e?.type, 'delivered');
    assert.equal(e?.['status'], 'delivered');
    assert.equal(e?.['rawStatus'], 3);
    assert.equal(e?.messageId, 'BAE5F2B1C0D9E8A7');
    assert.equal(e?.key, 'wasender:status:BAE5F2B1C0D9E8A7:delivered');
    assert.equal(e?.contact, '15550100001');
    assert.equal(e?.timestamp, 1_739_400_900_123);
    assert.equal(e?.['sessionId'], 'session-7f3a');
  });

  it('accepts string statuses', () => {
    assert.equal(events('messages-update-string.json')[0]?.type, 'read');
  });

  it('iterates update arrays and keeps status-less updates as field events', () => {
    const all = events('messages-update-array.json');
    assert.deepEqual(all.map((e) => `${e.kind}:${e.type}`), ['status:failed', 'status:pending', 'status:sent', 'status:played', 'field:messages.update']);
    assert.equal(all[4]?.messageId, 'BAE5000000000005');
  });
});

describe('wasender message-targeted events', () => {
  it('emits one delete event per deleted key', () => {
    const all = events('messages-delete.json');
    assert.deepEqual(all.map((e) => [e.kind, e.type, e.messageId]), [
      ['field', 'messages.delete', '3EB0DELETED000000001'],
      ['field', 'messages.delete', '3EB0DELETED000000002'],
    ]);
    assert.match(all[0]?.key ?? '', /^wasender:field:messages\.delete:3EB0DELETED000000001:1739401000000:[0-9a-f]{16}$/);
  });

  it('maps reactions to the reacted-to message with the reactor as contact', () => {
    const [added, removed] = events('messages-reaction.json');
    assert.equal(added?.messageId, 'BAE5F2B1C0D9E8A7');
    assert.equal(added?.['emoji'], '❤️');
    assert.equal(added?.['removed'], false);
    assert.equal(added?.['reactionMessageId'], '3EB0REACTION00000001');
    assert.equal(added?.contact, '15550100001');
    assert.equal(added?.timestamp, 1_739_401_099_500);
    assert.equal(removed?.['removed'], true);
    assert.equal(removed?.timestamp, 1_739_401_100_000);
  });

  it('maps group receipts with the reading member', () => {
    const [e] = events('message-receipt-update.json');
    assert.equal(e?.type, 'message-receipt.update');
    assert.equal(e?.messageId, 'BAE5GROUPMSG0000001');
    assert.equal(e?.contact, '15550100007');
    assert.equal(e?.['receiptType'], 'read');
    assert.equal(e?.timestamp, 1_739_401_199_000);
  });

  it('maps poll results', () => {
    const [e] = events('poll-results.json');
    assert.equal(e?.type, 'poll.results');
    assert.equal(e?.messageId, 'BAE5POLL00000001');
    assert.equal((e?.['pollResult'] as unknown[]).length, 2);
  });
});

describe('wasender call, session and collection events', () => {
  it('maps both call event names to type call', () => {
    for (const fixture of ['call.json', 'call-received.json']) {
      const [e] = events(fixture);
      assert.equal(e?.kind, 'field');
      assert.equal(e?.type, 'call');
      assert.equal(typeof e?.['callId'], 'string');
      assert.equal(e?.['status'], 'offer');
    }
    const [call] = events('call.json');
    assert.equal(call?.contact, '15550100001');
    assert.equal(call?.['isVideo'], true);
    assert.equal(call?.timestamp, Date.UTC(2025, 1, 12, 22, 49, 58));
  });

  it('maps session events with their session id', () => {
    const [status] = events('session-status.json');
    assert.equal(status?.kind, 'session');
    assert.equal(status?.type, 'session.status');
    assert.equal(status?.['status'], 'connected');
    assert.equal(status?.['sessionId'], 'session-7f3a');
    assert.equal(status?.timestamp, ref.receivedAt, 'no envelope timestamp: receive time');
    assert.match(status?.key ?? '', /^wasender:session:session\.status:session-7f3a::[0-9a-f]{16}$/);

    const [legacy] = events('session-status-legacy.json');
    assert.equal(legacy?.['sessionId'], 'session-id-123');
    assert.equal(legacy?.['status'], 'need_scan');

    const [qr] = events('qrcode-updated.json');
    assert.equal(qr?.type, 'qrcode.updated');
    assert.match(String((qr?.['data'] as Record<string, unknown>)['qr']), /^2@/);

    const [passkey] = events('passkey-updated.json');
    assert.equal(passkey?.type, 'passkey.updated');
    assert.equal(passkey?.['stage'], 'request');
    assert.equal(passkey?.timestamp, 1_783_619_100_000);
  });

  const collections: Array<[string, string, number]> = [
    ['chats-upsert.json', 'chats.upsert', 2],
    ['chats-update.json', 'chats.update', 1],
    ['chats-delete.json', 'chats.delete', 1],
    ['groups-upsert.json', 'groups.upsert', 1],
    ['groups-update.json', 'groups.update', 1],
    ['group-participants-update.json', 'group-participants.update', 1],
    ['contacts-upsert.json', 'contacts.upsert', 2],
    ['contacts-update.json', 'contacts.update', 1],
  ];
  for (const [fixture, type, count] of collections) {
    it(`emits one ${type} event per item`, () => {
      const all = events(fixture);
      assert.equal(all.length, count);
      for (const e of all) {
        assert.equal(e.kind, 'field');
        assert.equal(e.type, type);
        assert.equal(typeof e['itemId'], 'string');
        assert.ok(e.key.startsWith(`wasender:field:${type}:${String(e['itemId'])}:`));
      }
      assert.equal(new Set(all.map((e) => e.key)).size, count);
    });
  }

  it('names the contact of contact updates and the action of participant updates', () => {
    assert.deepEqual(events('contacts-upsert.json').map((e) => e.contact), ['15550100001', '15550100004']);
    assert.equal(events('group-participants-update.json')[0]?.['action'], 'add');
    assert.equal(events('chats-delete.json')[0]?.['itemId'], '15550100009@s.whatsapp.net');
  });

  it('keeps an unknown event name as unknown with the whole body', () => {
    const body = loadFixture('wasender/unknown-event.json');
    const [e, ...rest] = normalize(ref, body).events;
    assert.equal(rest.length, 0);
    assert.equal(e?.kind, 'unknown');
    assert.equal(e?.['event'], 'labels.association');
    assert.deepEqual(e?.['raw'], body);
  });
});
