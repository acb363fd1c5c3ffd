import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldKey, messageKey, sessionKey, statusKey, unknownKey } from './keys.js';

describe('idempotency keys', () => {
  it('follow the documented formats', () => {
    assert.equal(messageKey('cloud_api', 'wamid.X'), 'cloud_api:message:wamid.X');
    assert.equal(statusKey('wasender', 'ABC', 'read'), 'wasender:status:ABC:read');
    assert.equal(statusKey('cloud_api', 'wamid.X', 'delivered', '1555'), 'cloud_api:status:wamid.X:delivered:1555');
    assert.match(fieldKey('cloud_api', 'security', ['123'], 1_700_000_000_000, { event: 'PIN_CHANGED' }), /^cloud_api:field:security:123:1700000000000:[0-9a-f]{16}$/);
    assert.match(fieldKey('cloud_api', 'flows', ['1', '2'], undefined, {}), /^cloud_api:field:flows:1:2::[0-9a-f]{16}$/);
    assert.match(sessionKey('qrcode.updated', undefined, undefined, { qr: 'x' }), /^wasender:session:qrcode\.updated:::[0-9a-f]{16}$/);
    assert.match(unknownKey('wasender', null), /^wasender:unknown:[0-9a-f]{16}$/);
  });

  it('tell distinct field updates with the same ids and time apart', () => {
    assert.notEqual(fieldKey('cloud_api', 'f', ['1'], 5, { event: 'A' }), fieldKey('cloud_api', 'f', ['1'], 5, { event: 'B' }));
  });

  it('are stable under member reordering of the value', () => {
    assert.equal(fieldKey('cloud_api', 'f', ['1'], 5, { a: 1, b: 2 }), fieldKey('cloud_api', 'f', ['1'], 5, { b: 2, a: 1 }));
    assert.equal(unknownKey('cloud_api', { a: [1], b: 'x' }), unknownKey('cloud_api', { b: 'x', a: [1] }));
  });
});
