import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadFixture } from '../../../../test/helpers/fixtures.js';
import type { DeliveryRef } from '../../events.js';
import { normalize, type NormalizeResult } from '../index.js';

const ref: DeliveryRef = { tenant: 'shop', provider: 'wasender', deliveryId: '21', receivedAt: 1_800_000_000_000 };

function run(fixture: string): NormalizeResult {
  return normalize(ref, loadFixture(`wasender/${fixture}`));
}

describe('wasender message events', () => {
  it('reads data.messages as a single object', () => {
    const { events, contacts } = run('messages-received-object.json');
    assert.equal(events.length, 1);
    const [e] = events;
    assert.equal(e?.kind, 'message');
    assert.equal(e?.type, 'messages.received');
    assert.equal(e?.['messageType'], 'text');
    assert.equal(e?.messageId, '3EB0C431C26A1916E0A1');
    assert.equal(e?.key, 'wasender:message:3EB0C431C26A1916E0A1');
    assert.equal(e?.contact, '15550100001');
    assert.equal(e?.timestamp, 1_739_399_998_000, 'messageTimestamp (seconds) wins over the envelope time');
    assert.equal(e?.['text'], 'Hello, is the shop open today?');
    assert.equal(e?.['remoteJid'], '15550100001@s.whatsapp.net');
    assert.equal(e?.['fromMe'], false);
    assert.equal(e?.['profileName'], 'Maria Lopez');
    assert.deepEqual(contacts, [{ contact: '15550100001', profileName: 'Maria Lopez', lastInboundAt: 1_739_399_998_000 }]);
  });

  it('takes the sender from the cleaned phone field, never from a linked id', () => {
    const { events, contacts } = run('messages-received-lid.json');
    assert.equal(events[0]?.contact, '15550100002');
    assert.equal(events[0]?.['remoteJid'], '208166217695321@lid');
    assert.equal(events[0]?.['text'], 'Sent from a linked id');
    assert.equal(contacts[0]?.contact, '15550100002');
    const body = loadFixture('wasender/messages-received-lid.json') as { data: { messages: { key: Record<string, unknown> } } };
    const key = body.data.messages.key;
    delete key['cleanedSenderPn'];
    delete key['senderPn'];
    const withoutPhone = normalize(ref, body);
    assert.equal(withoutPhone.events[0]?.contact, undefined);
    assert.equal(withoutPhone.contacts.length, 0);
  });

  it('keeps non-ASCII text', () => {
    const { events, contacts } = run('messages-received-non-ascii.json');
    assert.equal(events[0]?.['text'], 'Привет! Ça va? 你好 👋🏽');
    assert.equal(contacts[0]?.profileName, 'Zoë Ångström');
  });

  it('iterates data.messages arrays and emits facts only for inbound messages', () => {
    const { events, contacts } = run('messages-upsert-array.json');
    assert.equal(events.length, 2);
    assert.deepEqual(events.map((e) => e['messageType']), ['image', 'text']);
    assert.deepEqual(events.map((e) => e['fromMe']), [false, true]);
    assert.deepEqual(events.map((e) => e.contact), ['15550100001', '15550100001']);
    assert.equal(contacts.length, 1);
    const media = events[0]?.['media'] as Record<string, unknown>;
    assert.equal(media['kind'], 'image');
    assert.equal(media['mimeType'], 'image/jpeg');
    assert.equal(media['fileLength'], 48211);
    assert.equal(media['caption'], 'Here is the receipt');
    assert.match(String(media['url']), /^https:\/\/mmg\.whatsapp\.net\//);
    assert.equal(typeof media['mediaKey'], 'string');
    assert.equal(typeof media['fileSha256'], 'string');
    assert.match(String(media['directPath']), /^\/o1\//);
  });

  it('accepts messages.upsert with an object and a numeric-string timestamp', () => {
    const [e] = run('messages-upsert-object.json').events;
    assert.equal(e?.type, 'messages.upsert');
    assert.equal(e?.timestamp, 1_739_400_149_000);
  });

  it('accepts the flat data.key / data.message shape', () => {
    const { events, contacts } = run('messages-upsert-flat.json');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.messageId, '3EB0FLAT00000000AUD1');
    assert.equal(events[0]?.['messageType'], 'audio');
    const media = events[0]?.['media'] as Record<string, unknown>;
    assert.equal(media['voice'], true);
    assert.equal(media['fileLength'], 10530);
    assert.equal(contacts[0]?.contact, '15550100004');
  });

  it('reads protobuf Long timestamps', () => {
    const [e] = run('messages-personal-received-long-timestamp.json').events;
    assert.equal(e?.type, 'messages-personal.received');
    assert.equal(e?.timestamp, 1_739_400_299_000);
  });

  it('reads millisecond envelope timestamps', () => {
    const [e] = run('messages-received-ms-timestamp.json').events;
    assert.equal(e?.timestamp, 1_739_400_400_123);
  });

  it('takes the group participant as the contact', () => {
    const { events, contacts } = run('messages-group-received.json');
    assert.equal(events[0]?.type, 'messages-group.received');
    assert.equal(events[0]?.contact, '15550100007');
    assert.equal(events[0]?.['chatType'], 'group');
    assert.equal(events[0]?.['participant'], '208166217695399@lid');
    assert.deepEqual(contacts, [{ contact: '15550100007', profileName: 'Priya', lastInboundAt: 1_739_400_499_000 }]);
  });

  it('has no contact for channel posts', () => {
    const { events, contacts } = run('messages-newsletter-received.json');
    assert.equal(events[0]?.['chatType'], 'newsletter');
    assert.equal(events[0]?.contact, undefined);
    assert.equal(events[0]?.['text'], 'Weekly update: new opening hours');
    assert.equal(contacts.length, 0);
  });

  it('maps sent messages to the chat partner without inbound facts', () => {
    const { events, contacts } = run('message-sent.json');
    assert.equal(events[0]?.type, 'message.sent');
    assert.equal(events[0]?.['fromMe'], true);
    assert.equal(events[0]?.['success'], true);
    assert.equal(events[0]?.contact, '15550100001');
    assert.equal(events[0]?.['text'], 'Your order #1042 has shipped.');
    assert.equal(contacts.length, 0);
  });

  it('keeps a failed send without key as unknown', () => {
    const [e] = run('message-sent-failed.json').events;
    assert.equal(e?.kind, 'unknown');
    assert.deepEqual(e?.['raw'], { success: false, error: 'Recipient is not on WhatsApp' });
  });

  it('recognises edits and revokes carried as protocol messages', () => {
    const [edit] = run('messages-upsert-edit.json').events;
    assert.equal(edit?.['messageType'], 'edit');
    assert.equal(edit?.['editedMessageId'], '3EB0C431C26A1916E0A1');
    assert.deepEqual(edit?.['edited'], { text: 'Hello, is the shop open tomorrow?' });
    const [revoke] = run('messages-upsert-revoke.json').events;
    assert.equal(revoke?.['messageType'], 'revoke');
    assert.equal(revoke?.['revokedMessageId'], '3EB0A1B2C3D4E5F60001');
  });

  it('deduplicates the same message delivered under two event names', () => {
    const body = loadFixture('wasender/messages-received-object.json') as Record<string, unknown>;
    const upsert = { ...body, event: 'messages.upsert' };
    assert.equal(normalize(ref, body).events[0]?.key, normalize(ref, upsert).events[0]?.key);
  });
});
