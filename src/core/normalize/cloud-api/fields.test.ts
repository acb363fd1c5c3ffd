import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listFixtures, loadFixture } from '../../../../test/helpers/fixtures.js';
import type { DeliveryRef, WahookEvent } from '../../events.js';
import { normalize } from '../index.js';

const ref: DeliveryRef = { tenant: 'acme', provider: 'cloud_api', deliveryId: '13', receivedAt: 1_800_000_000_000 };

type Body = { entry: Array<{ id: string; time: number; changes: Array<{ field: string; value: unknown }> }> };

function fieldEvent(field: string): { event: WahookEvent; body: Body } {
  const body = loadFixture(`cloud-api/fields/${field}.json`) as Body;
  const result = normalize(ref, body);
  assert.equal(result.events.length, 1);
  assert.equal(result.contacts.length, 0);
  const event = result.events[0];
  assert.ok(event);
  return { event, body };
}

describe('cloud api non-message fields', () => {
  const fixtures = listFixtures('cloud-api/fields');
  it('has a fixture for every documented field', () => {
    const names = fixtures.map((f) => f.replace(/^.*\//, '').replace(/\.json$/, ''));
    for (const field of [
      'message_template_status_update', 'message_template_quality_update', 'template_category_update',
      'message_template_components_update', 'phone_number_quality_update', 'phone_number_name_update',
      'account_update', 'account_alerts', 'account_review_update', 'business_capability_update', 'security',
      'user_preferences', 'calls', 'flows', 'smb_message_echoes', 'history', 'group_lifecycle_update',
      'group_participants_update', 'group_settings_update', 'group_status_update',
    ]) {
      assert.ok(names.includes(field), field);
    }
  });

  for (const fixture of fixtures) {
    const field = fixture.replace(/^.*\//, '').replace(/\.json$/, '');
    it(`keeps ${field} as one field event with its raw value`, () => {
      const { event, body } = fieldEvent(field);
      const change = body.entry[0]?.changes[0];
      assert.equal(event.kind, 'field');
      assert.equal(event.type, field);
      assert.equal(event['field'], field);
      assert.equal(event['entryId'], '102290129340398');
      assert.deepEqual(event['value'], change?.value);
      assert.match(event.key, new RegExp(`^cloud_api:field:${field}:102290129340398(:[^:]+)*:\\d+:[0-9a-f]{16}$`));
    });
  }

  it('extracts template ids and events', () => {
    const { event } = fieldEvent('message_template_status_update');
    assert.equal(event['templateId'], '1689556908129832');
    assert.equal(event['templateName'], 'order_confirmation');
    assert.equal(event['templateLanguage'], 'en_US');
    assert.equal(event['event'], 'APPROVED');
    assert.equal(event.timestamp, 1_739_324_000_000, 'entry.time stands in when the value has no timestamp');
    assert.match(event.key, /^cloud_api:field:message_template_status_update:102290129340398:1689556908129832:1739324000000:[0-9a-f]{16}$/);
    assert.equal(fieldEvent('template_category_update').event['templateId'], '806312974732579');
  });

  it('extracts phone numbers and decisions', () => {
    assert.equal(fieldEvent('phone_number_quality_update').event['phoneNumber'], '15550783881');
    assert.equal(fieldEvent('phone_number_quality_update').event['event'], 'UPGRADE');
    assert.equal(fieldEvent('phone_number_name_update').event['decision'], 'APPROVED');
    assert.equal(fieldEvent('account_update').event['phoneNumber'], '15550783881');
    assert.equal(fieldEvent('security').event['event'], 'PIN_CHANGED');
    assert.equal(fieldEvent('account_alerts').event['entityId'], '106540352242922');
    assert.equal(fieldEvent('flows').event['flowId'], '1149389269426530');
  });

  it('prefers the value own timestamp and names the customer where there is one', () => {
    const prefs = fieldEvent('user_preferences').event;
    assert.equal(prefs.timestamp, 1_739_324_100_000);
    assert.equal(prefs.contact, '16505551234');
    assert.equal(prefs['phoneNumberId'], '106540352242922');

    const call = fieldEvent('calls').event;
    assert.equal(call.timestamp, 1_739_324_200_000);
    assert.equal(call.contact, '16505551234');
    assert.deepEqual(call['itemIds'], ['wacid.HBgLMTY1MDU1NTEyMzQVAgARGBI4MjdGNjhFMDlBMjQxNjc0NUEA']);

    const echo = fieldEvent('smb_message_echoes').event;
    assert.equal(echo.messageId, 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJFQ0hPMDAwMDAwMDAwMDAwMDEA');
    assert.equal(echo.contact, '16505551234');

    const group = fieldEvent('group_lifecycle_update').event;
    assert.deepEqual(group['itemIds'], ['Y2FwaV9ncm91cDoxNTU1MDc4Mzg4MToxMjAzNjMwNDM5Mjk=']);
    assert.equal(group.timestamp, 1_739_324_400_000);
  });

  it('keeps a field nobody documented yet', () => {
    const { event } = fieldEvent('some_future_field');
    assert.deepEqual(event['value'], { anything: ['kept', 'verbatim'], nested: { a: 1 } });
  });

  it('gives two distinct updates with the same ids and time distinct keys', () => {
    const body = loadFixture('cloud-api/fields/message_template_status_update.json') as Body;
    const change = body.entry[0]?.changes[0];
    assert.ok(change);
    const rejected = structuredClone(body);
    const rejectedChange = rejected.entry[0]?.changes[0];
    assert.ok(rejectedChange);
    rejectedChange.value = { ...(change.value as object), event: 'REJECTED', reason: 'INVALID_FORMAT' };
    assert.notEqual(normalize(ref, body).events[0]?.key, normalize(ref, rejected).events[0]?.key);
  });

  it('maps webhook-level errors of a messages change to field events of type errors', () => {
    const { events } = normalize(ref, loadFixture('cloud-api/errors/change-errors.json'));
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event?.kind, 'field');
    assert.equal(event?.type, 'errors');
    assert.equal(event?.timestamp, 1_739_323_700_000);
    assert.equal((event?.['errors'] as Array<Record<string, unknown>>)[0]?.['code'], 130472);
    assert.match(event?.key ?? '', /^cloud_api:field:errors:102290129340398:106540352242922:1739323700000:[0-9a-f]{16}$/);
  });
});
