import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadFixture } from '../../../../test/helpers/fixtures.js';
import type { DeliveryRef, WahookEvent } from '../../events.js';
import { normalize } from '../index.js';

const ref: DeliveryRef = { tenant: 'acme', provider: 'cloud_api', deliveryId: '11', receivedAt: 1_800_000_000_000 };

function only(fixture: string): { event: WahookEvent; result: ReturnType<typeof normalize> } {
  const result = normalize(ref, loadFixture(`cloud-api/messages/${fixture}`));
  assert.equal(result.events.length, 1, `${fixture} yields one event`);
  const event = result.events[0];
  assert.ok(event);
  return { event, result };
}

describe('cloud api messages', () => {
  it('maps the header of a text message and reveals the contact', () => {
    const { event, result } = only('text.json');
    assert.equal(event.kind, 'message');
    assert.equal(event.type, 'text');
    assert.equal(event.messageId, 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCNTg5RjBFMzQ4QjhBNEMwMgA=');
    assert.equal(event.key, `cloud_api:message:${event.messageId}`);
    assert.equal(event.contact, '16505551234');
    assert.equal(event.timestamp, 1_739_321_024_000);
    assert.equal(event.tenant, 'acme');
    assert.equal(event.deliveryId, '11');
    assert.equal(event.provider, 'cloud_api');
    assert.equal(event['text'], 'Hi, has my order shipped yet?');
    assert.equal(event['phoneNumberId'], '106540352242922');
    assert.equal(event['displayPhoneNumber'], '15550783881');
    assert.equal(event['profileName'], 'Kerry Fisher');
    assert.deepEqual(result.contacts, [{ contact: '16505551234', profileName: 'Kerry Fisher', lastInboundAt: 1_739_321_024_000 }]);
  });

  it('keeps non-ASCII text and names intact', () => {
    const { event, result } = only('text-non-ascii.json');
    assert.equal(event['text'], 'Olá, ¿qué tal? Grüße – 日本語 ✓ 🚀 مرحبا');
    assert.equal(result.contacts[0]?.profileName, 'José Ñúñez 🌵');
  });

  it('maps reply, forward and product context', () => {
    assert.deepEqual(only('text-reply.json').event['context'], {
      from: '15550783881',
      id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
    });
    assert.deepEqual(only('text-forwarded.json').event['context'], { forwarded: true, frequentlyForwarded: true });
    const product = only('text-product-inquiry.json').event['context'] as Record<string, unknown>;
    assert.deepEqual(product['referredProduct'], { catalogId: '194836987003835', productRetailerId: 'SKU-RED-TEE-M' });
  });

  it('maps click-to-WhatsApp ad referrals', () => {
    const referral = only('text-referral.json').event['referral'] as Record<string, unknown>;
    assert.equal(referral['sourceType'], 'ad');
    assert.equal(referral['sourceId'], '120214433519670482');
    assert.match(String(referral['ctwaClid']), /^ARAk/);
    assert.deepEqual(referral['welcomeMessage'], { text: 'Hi! How can we help?' });
  });

  const media: Array<[string, string, Record<string, unknown>]> = [
    ['image.json', 'image', { id: '1003383421387256', mimeType: 'image/jpeg', caption: 'Damaged box on arrival' }],
    ['audio-voice.json', 'audio', { id: '1275412683675890', mimeType: 'audio/ogg; codecs=opus', voice: true }],
    ['video.json', 'video', { id: '1580134412851339', mimeType: 'video/mp4', caption: 'Unboxing' }],
    ['document.json', 'document', { id: '991823441230087', filename: 'return-form.pdf', caption: 'Signed form' }],
    ['sticker.json', 'sticker', { id: '718204339876512', mimeType: 'image/webp', animated: false }],
  ];
  for (const [fixture, type, expected] of media) {
    it(`maps ${type} media`, () => {
      const { event } = only(fixture);
      assert.equal(event.type, type);
      const m = event['media'] as Record<string, unknown>;
      assert.equal(m['kind'], type);
      assert.equal(typeof m['sha256'], 'string');
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(m[k], v, `${fixture} media.${k}`);
    });
  }

  it('exposes the media url when the webhook carries one', () => {
    const m = only('image.json').event['media'] as Record<string, unknown>;
    assert.match(String(m['url']), /^https:\/\/lookaside\.fbsbx\.com\//);
  });

  it('maps location and shared contact cards', () => {
    assert.deepEqual(only('location.json').event['location'], {
      address: '1 Hacker Way, Menlo Park, CA 94025',
      latitude: 37.483307,
      longitude: -122.148981,
      name: 'Main office',
      url: 'https://example.com/office',
    });
    const cards = only('contacts.json').event['contacts'] as Array<Record<string, unknown>>;
    assert.equal(cards.length, 1);
    assert.deepEqual(cards[0]?.['name'], { formattedName: 'Barbara J. Johnson', firstName: 'Barbara', lastName: 'Johnson' });
    assert.deepEqual(cards[0]?.['phones'], [{ phone: '+1 (940) 555-1234', waId: '19405551234', type: 'CELL' }]);
  });

  it('maps interactive button, list and flow replies', () => {
    assert.deepEqual(only('interactive-button-reply.json').event['interactive'], {
      type: 'button_reply',
      id: 'confirm-yes',
      title: 'Yes, confirm',
    });
    assert.deepEqual(only('interactive-list-reply.json').event['interactive'], {
      type: 'list_reply',
      id: 'slot-2026-03-04-10',
      title: 'Wed 10:00',
      description: 'Morning slot, 30 min',
    });
    const nfm = only('interactive-nfm-reply.json').event['interactive'] as Record<string, unknown>;
    assert.equal(nfm['type'], 'nfm_reply');
    assert.equal(nfm['name'], 'flow');
    assert.equal(nfm['body'], 'Sent');
    assert.deepEqual(JSON.parse(String(nfm['responseJson'])), { flow_token: 'booking-42', date: '2026-03-04', party_size: '2' });
  });

  it('maps template quick-reply buttons', () => {
    const { event } = only('button.json');
    assert.equal(event.type, 'button');
    assert.deepEqual(event['button'], { payload: 'STOP_PROMOTIONS', text: 'Stop promotions' });
  });

  it('maps reactions, flagging removals', () => {
    const added = only('reaction.json').event['reaction'];
    assert.deepEqual(added, { messageId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJBNUI1RDQ0QzM0RDAyRjJDNTcA', emoji: '👍', removed: false });
    const removed = only('reaction-removed.json').event['reaction'] as Record<string, unknown>;
    assert.equal(removed['removed'], true);
    assert.equal(removed['emoji'], undefined);
  });

  it('maps orders with camelCase product items', () => {
    const order = only('order.json').event['order'] as Record<string, unknown>;
    assert.equal(order['catalogId'], '194836987003835');
    assert.deepEqual((order['productItems'] as unknown[])[0], { productRetailerId: 'SKU-RED-TEE-M', quantity: 2, itemPrice: 19.99, currency: 'USD' });
  });

  it('maps system notices without opening the service window', () => {
    const { event, result } = only('system-user-changed-number.json');
    assert.equal(event.type, 'system');
    const system = event['system'] as Record<string, unknown>;
    assert.equal(system['type'], 'user_changed_number');
    assert.equal(system['waId'], '16505559999');
    assert.equal(system['previousUserId'], 'US.98765432109876543210');
    assert.deepEqual(result.contacts, [{ contact: '16505551234' }]);

    const changedId = only('system-user-changed-user-id.json');
    assert.equal(changedId.event.contact, 'US.13491208655302741918');
    assert.equal((changedId.event['system'] as Record<string, unknown>)['type'], 'user_changed_user_id');
  });

  it('keeps errors and the payload of unsupported and unknown types', () => {
    const unsupported = only('unsupported.json').event;
    assert.equal(unsupported.kind, 'message');
    assert.equal(unsupported.type, 'unsupported');
    assert.deepEqual((unsupported['errors'] as Array<Record<string, unknown>>)[0]?.['code'], 131051);
    assert.deepEqual((unsupported['errors'] as Array<Record<string, unknown>>)[0]?.['errorData'], { details: 'Message type is currently not supported.' });
    assert.deepEqual(unsupported['content'], { type: 'poll_creation' });
    const unknownType = only('unknown-type.json').event;
    assert.equal(unknownType.type, 'unknown');
    assert.equal(unknownType.kind, 'message');
    assert.equal((unknownType['errors'] as unknown[]).length, 1);
  });

  it('maps welcome requests, edits and revokes', () => {
    const welcome = only('request-welcome.json');
    assert.equal(welcome.event.type, 'request_welcome');
    assert.equal(welcome.result.contacts[0]?.lastInboundAt, 1_739_322_100_000);

    const edit = only('edit.json').event;
    assert.equal(edit.type, 'edit');
    assert.equal(edit['editedMessageId'], 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCNTg5RjBFMzQ4QjhBNEMwMgA=');
    assert.deepEqual(edit['edited'], { messageType: 'text', text: 'Hi, has my order shipped yet? (order #1042)' });
    assert.equal(edit['text'], undefined, 'the new text is nested under edited, not mistaken for a new message');

    const revoke = only('revoke.json').event;
    assert.equal(revoke.type, 'revoke');
    assert.equal(revoke['revokedMessageId'], 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTAwMDAwMDAwMDAwMDAwMDAxMQA=');
  });

  it('identifies a user by business-scoped id when the phone number is withheld', () => {
    const { event, result } = only('bsuid-no-from.json');
    assert.equal(event['from'], undefined);
    assert.equal(event.contact, 'US.13491208655302741918');
    assert.equal(event['fromUserId'], 'US.13491208655302741918');
    assert.equal(event['fromParentUserId'], 'US.ENT.11815799212886844830');
    assert.equal(event['profileName'], 'Sam');
    assert.equal(event['username'], '@sam.k');
    assert.deepEqual(result.contacts, [{ contact: 'US.13491208655302741918', profileName: 'Sam', lastInboundAt: 1_739_322_400_000 }]);
  });

  it('keeps a message without id as unknown with its raw JSON', () => {
    const { event, result } = only('message-without-id.json');
    assert.equal(event.kind, 'unknown');
    assert.equal(event.type, 'unknown');
    assert.deepEqual(event['raw'], { from: '16505551234', timestamp: '1739322500', type: 'text', text: { body: 'no id here' } });
    assert.match(event.key, /^cloud_api:unknown:[0-9a-f]{16}$/);
    assert.equal(event.timestamp, ref.receivedAt);
    assert.equal(result.contacts.length, 0);
  });

  it('emits every message of a change, in order', () => {
    const { events, contacts } = normalize(ref, loadFixture('cloud-api/messages/two-messages.json'));
    assert.deepEqual(events.map((e) => e['text']), ['First', 'Second']);
    assert.equal(contacts.length, 2);
  });

  it('falls back to the receive time when the timestamp is missing or malformed', () => {
    const body = loadFixture('cloud-api/messages/text.json') as { entry: Array<{ changes: Array<{ value: { messages: Array<Record<string, unknown>> } }> }> };
    const message = body.entry[0]?.changes[0]?.value.messages[0];
    assert.ok(message);
    message['timestamp'] = 'yesterday';
    const [event] = normalize(ref, body).events;
    assert.equal(event?.timestamp, ref.receivedAt);
  });
});
