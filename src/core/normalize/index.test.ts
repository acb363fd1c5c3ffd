import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { listFixtures, loadFixture } from '../../../test/helpers/fixtures.js';
import type { DeliveryRef, EventKind, Provider, WahookEvent } from '../events.js';
import { normalize } from './index.js';

const refs: Record<Provider, DeliveryRef> = {
  cloud_api: { tenant: 'acme', provider: 'cloud_api', deliveryId: '1', receivedAt: 1_800_000_000_000 },
  wasender: { tenant: 'acme', provider: 'wasender', deliveryId: '2', receivedAt: 1_800_000_000_000 },
};
const KINDS: readonly EventKind[] = ['message', 'status', 'field', 'session', 'unknown'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const len = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

/** Updates in a Cloud API body as the spec counts them: one per message/status/error item, one per other change, one per malformed piece. */
function countCloudUpdates(body: unknown): number {
  if (!isObj(body) || !Array.isArray(body['entry'])) return 1;
  let n = 0;
  for (const entry of body['entry']) {
    if (!isObj(entry) || !Array.isArray(entry['changes'])) {
      n += 1;
      continue;
    }
    for (const change of entry['changes']) {
      if (!isObj(change) || typeof change['field'] !== 'string' || change['field'] === '') n += 1;
      else if (change['field'] !== 'messages') n += 1;
      else {
        const v = isObj(change['value']) ? change['value'] : {};
        n += len(v['messages']) + len(v['statuses']) + len(v['errors']) || 1;
      }
    }
  }
  return Math.max(n, 1);
}

const WASENDER_COUNTS: Record<string, number> = {
  'messages-upsert-array.json': 2,
  'messages-update-array.json': 5,
  'messages-delete.json': 2,
  'messages-reaction.json': 2,
  'chats-upsert.json': 2,
  'contacts-upsert.json': 2,
};

function assertWellFormed(e: WahookEvent, ref: DeliveryRef): void {
  assert.equal(typeof e.key, 'string');
  assert.ok(e.key.startsWith(`${ref.provider}:`), e.key);
  assert.equal(e.provider, ref.provider);
  assert.ok(KINDS.includes(e.kind), e.kind);
  assert.equal(typeof e.type, 'string');
  assert.ok(e.type.length > 0);
  assert.ok(Number.isFinite(e.timestamp));
  assert.equal(e.tenant, ref.tenant);
  assert.equal(e.deliveryId, ref.deliveryId);
  if (e.messageId !== undefined) assert.equal(typeof e.messageId, 'string');
  if (e.contact !== undefined) assert.equal(typeof e.contact, 'string');
  if (e.kind === 'unknown') {
    assert.equal(e.type, 'unknown');
    assert.ok('raw' in e);
  }
}

describe('normalize over every fixture', () => {
  const cases: Array<[Provider, string]> = [
    ...listFixtures('cloud-api').map((f): [Provider, string] => ['cloud_api', f]),
    ...listFixtures('wasender').map((f): [Provider, string] => ['wasender', f]),
  ];

  it('has fixtures to run', () => assert.ok(cases.length > 90, String(cases.length)));

  for (const [provider, fixture] of cases) {
    it(`${fixture}: complete, deterministic, pure`, () => {
      const ref = refs[provider];
      const body = loadFixture(fixture);
      const before = structuredClone(body);
      const first = normalize(ref, body);
      const second = normalize(ref, body);
      assert.deepStrictEqual(second, first, 'same input, same output');
      assert.deepStrictEqual(body, before, 'input is not mutated');
      const expected =
        provider === 'cloud_api' ? countCloudUpdates(body) : (WASENDER_COUNTS[fixture.replace(/^.*\//, '')] ?? 1);
      assert.equal(first.events.length, expected, 'one event per update, nothing dropped');
      for (const e of first.events) assertWellFormed(e, ref);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(first)), first, 'events are plain JSON');
    });
  }

  it('keys do not depend on tenant, delivery or receive time', () => {
    const body = loadFixture('cloud-api/messages/text.json');
    const a = normalize(refs.cloud_api, body).events.map((e) => e.key);
    const b = normalize({ ...refs.cloud_api, tenant: 'other', deliveryId: '99', receivedAt: 1 }, body).events.map((e) => e.key);
    assert.deepEqual(a, b);
  });
});

describe('batched cloud api deliveries', () => {
  const META = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
  const message = (i: number) => ({ from: `1650555${String(i).padStart(4, '0')}`, id: `wamid.batch.m${i}`, timestamp: String(1_739_000_000 + i), type: 'text', text: { body: `message ${i}` } });
  const status = (i: number) => ({ id: `wamid.batch.s${i}`, status: i % 2 ? 'delivered' : 'read', timestamp: String(1_739_000_000 + i), recipient_id: '16505551234' });

  it('walks every entry and change of a mixed batch of 150 updates', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA-1',
          changes: [
            { field: 'messages', value: { messaging_product: 'whatsapp', metadata: META, messages: Array.from({ length: 60 }, (_, i) => message(i)), statuses: Array.from({ length: 20 }, (_, i) => status(i)) } },
            { field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 1, message_template_name: 'a', message_template_language: 'en' } },
          ],
        },
        {
          id: 'WABA-2',
          time: 1_739_000_500,
          changes: [
            { field: 'messages', value: { messaging_product: 'whatsapp', metadata: META, messages: Array.from({ length: 40 }, (_, i) => message(100 + i)) } },
            { field: 'messages', value: { messaging_product: 'whatsapp', metadata: META, statuses: Array.from({ length: 25 }, (_, i) => status(100 + i)), errors: [{ code: 130472, title: 'experiment' }] } },
          ],
        },
        { id: 'WABA-3', time: 1_739_000_900, changes: [{ field: 'account_review_update', value: { decision: 'APPROVED' } }, { field: 'security', value: { event: 'PIN_CHANGED' } }, { field: 'flows', value: { event: 'FLOW_STATUS_CHANGE', flow_id: '42' } }] },
      ],
    };
    const { events, contacts } = normalize(refs.cloud_api, body);
    assert.equal(events.length, 150);
    assert.equal(countCloudUpdates(body), 150);
    const byKind = (k: EventKind) => events.filter((e) => e.kind === k).length;
    assert.equal(byKind('message'), 100);
    assert.equal(byKind('status'), 45);
    assert.equal(byKind('field'), 5);
    assert.equal(new Set(events.map((e) => e.key)).size, 150, 'no two updates share a key');
    assert.equal(contacts.length, 100);
    assert.deepEqual(
      events.filter((e) => e.kind === 'message').map((e) => e.messageId),
      [...Array.from({ length: 60 }, (_, i) => `wamid.batch.m${i}`), ...Array.from({ length: 40 }, (_, i) => `wamid.batch.m${100 + i}`)],
    );
  });

  it('handles the documented maximum of 1,000 updates in one POST', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: Array.from({ length: 10 }, (_, e) => ({
        id: `WABA-${e}`,
        changes: [{ field: 'messages', value: { metadata: META, statuses: Array.from({ length: 100 }, (_, i) => status(e * 100 + i)) } }],
      })),
    };
    const { events } = normalize(refs.cloud_api, body);
    assert.equal(events.length, 1000);
    assert.equal(new Set(events.map((e) => e.key)).size, 1000);
  });
});

describe('normalize on hostile input', () => {
  it('keeps non-envelope bodies as one unknown event with the body as raw', () => {
    for (const [provider, body] of [
      ['cloud_api', null], ['cloud_api', 'text'], ['cloud_api', [1, 2]], ['cloud_api', { entry: 'no' }],
      ['wasender', 42], ['wasender', { data: {} }], ['wasender', { event: 7 }],
    ] as Array<[Provider, unknown]>) {
      const { events, contacts } = normalize(refs[provider], body);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.kind, 'unknown');
      assert.deepEqual(events[0]?.['raw'], body);
      assert.equal(contacts.length, 0);
    }
  });

  it('never throws and always accounts for the delivery, whatever the JSON', () => {
    fc.assert(
      fc.property(fc.constantFrom<Provider>('cloud_api', 'wasender'), fc.jsonValue(), (provider, body) => {
        const ref = refs[provider];
        const result = normalize(ref, body);
        assert.ok(result.events.length >= 1);
        for (const e of result.events) assertWellFormed(e, ref);
        assert.deepStrictEqual(normalize(ref, body), result);
      }),
      { numRuns: 300 },
    );
  });

  it('survives envelope-shaped garbage at every level', () => {
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    const cloudBody = fc.record({
      object: fc.constant('whatsapp_business_account'),
      entry: fc.array(
        fc.oneof(anyJson, fc.record({
          id: anyJson,
          time: anyJson,
          changes: fc.array(fc.oneof(anyJson, fc.record({
            field: fc.oneof(fc.constantFrom('messages', 'calls', 'flows', ''), fc.string()),
            value: fc.oneof(anyJson, fc.record({ metadata: anyJson, contacts: anyJson, messages: fc.array(anyJson), statuses: fc.array(anyJson), errors: anyJson })),
          }))),
        })),
        { maxLength: 4 },
      ),
    });
    const wasenderBody = fc.record({
      event: fc.oneof(
        fc.constantFrom('messages.received', 'messages.upsert', 'message.sent', 'messages.update', 'messages.delete', 'messages.reaction', 'message-receipt.update', 'poll.results', 'call', 'session.status', 'chats.upsert', 'contacts.update'),
        fc.string(),
      ),
      timestamp: anyJson,
      sessionId: anyJson,
      data: fc.oneof(anyJson, fc.record({ messages: anyJson, key: anyJson, message: anyJson, keys: anyJson, call: anyJson, update: anyJson })),
    });
    fc.assert(
      fc.property(cloudBody, (body) => {
        const result = normalize(refs.cloud_api, body);
        assert.equal(result.events.length, countCloudUpdates(body));
        for (const e of result.events) assertWellFormed(e, refs.cloud_api);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(wasenderBody, (body) => {
        const result = normalize(refs.wasender, body);
        assert.ok(result.events.length >= 1);
        for (const e of result.events) assertWellFormed(e, refs.wasender);
      }),
      { numRuns: 300 },
    );
  });

  it('degrades to a single unknown event on nesting deep enough to exhaust the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const body = { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'x', value: deep }] }] };
    const { events } = normalize(refs.cloud_api, body);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.kind, 'unknown');
  });
});
