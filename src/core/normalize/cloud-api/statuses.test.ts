import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadFixture } from '../../../../test/helpers/fixtures.js';
import type { DeliveryRef, WahookEvent } from '../../events.js';
import { normalize } from '../index.js';

const ref: DeliveryRef = { tenant: 'acme', provider: 'cloud_api', deliveryId: '12', receivedAt: 1_800_000_000_000 };
const WAMID = 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA';

function events(fixture: string): WahookEvent[] {
  const result = normalize(ref, loadFixture(`cloud-api/statuses/${fixture}`));
  assert.equal(result.contacts.length, 0, 'statuses reveal no inbound contact facts');
  return result.events;
}

describe('cloud api statuses', () => {
  for (const status of ['sent', 'delivered', 'read', 'played', 'failed']) {
    it(`maps a ${status} status`, () => {
      const [event, ...rest] = events(`${status}.json`);
      assert.equal(rest.length, 0);
      assert.ok(event);
      assert.equal(event.kind, 'status');
      assert.equal(event.type, status);
      assert.equal(event['status'], status);
      assert.equal(event.messageId, WAMID);
      assert.equal(event.contact, '16505551234');
      assert.equal(event['recipientId'], '16505551234');
      assert.equal(event['phoneNumberId'], '106540352242922');
      assert.equal(event.key, `cloud_api:status:${WAMID}:${status}`);
    });
  }

  it('keeps pricing, conversation and callback data', () => {
    const [sent] = events('sent.json');
    assert.equal(sent?.timestamp, 1_739_323_000_000);
    assert.deepEqual(sent?.['pricing'], { billable: true, pricingModel: 'PMP', category: 'utility', type: 'regular' });
    assert.deepEqual(sent?.['conversation'], { id: 'a75d17ad06104c51166f948319b03c6a', expirationTimestamp: '1739407800', origin: { type: 'utility' } });
    assert.equal(sent?.['bizOpaqueCallbackData'], 'order-1042:reminder');
  });

  it('keeps the errors of a failed status', () => {
    const [failed] = events('failed.json');
    const errors = failed?.['errors'] as Array<Record<string, unknown>>;
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.['code'], 131047);
    assert.match(String((errors[0]?.['errorData'] as Record<string, unknown>)['details']), /24 hours/);
  });

  it('keys group statuses per participant so they do not collapse', () => {
    const group = events('group-recipient.json');
    assert.equal(group.length, 2);
    assert.deepEqual(group.map((e) => e['recipientParticipantId']), ['16505551234', '16505557777']);
    assert.deepEqual(group.map((e) => e.contact), ['16505551234', '16505557777']);
    assert.equal(group[0]?.['recipientType'], 'group');
    assert.equal(group[0]?.['recipientId'], '120363043929@g.us');
    assert.notEqual(group[0]?.key, group[1]?.key);
    assert.match(group[0]?.key ?? '', /:delivered:16505551234$/);
  });

  it('uses the business-scoped recipient id when no phone number is given', () => {
    const [event] = events('bsuid-recipient.json');
    assert.equal(event?.contact, 'US.13491208655302741918');
    assert.equal(event?.['recipientUserId'], 'US.13491208655302741918');
  });

  it('keeps an unrecognised status value as its own type', () => {
    const [event] = events('unrecognised-status.json');
    assert.equal(event?.kind, 'status');
    assert.equal(event?.type, 'deleted');
  });

  it('emits every status of a change', () => {
    assert.deepEqual(events('sent-and-delivered.json').map((e) => e.type), ['sent', 'delivered']);
  });

  it('keeps a status without id as unknown', () => {
    const [event] = events('status-without-id.json');
    assert.equal(event?.kind, 'unknown');
    assert.deepEqual(event?.['raw'], { status: 'sent', timestamp: '1739323600', recipient_id: '16505551234' });
  });
});
