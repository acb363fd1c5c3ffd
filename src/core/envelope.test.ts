import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkEnvelope } from './envelope.js';

const inEnvelope = (value: string): Buffer => Buffer.from(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":${value}}]}]}`);
const codeOf = (f: () => void): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

test('an envelope whose value nests 100,000 levels deep is refused: JSON.stringify of it throws, so nothing after the edge could handle it', () => {
  const deep = inEnvelope('['.repeat(100_000) + ']'.repeat(100_000));
  assert.equal(codeOf(() => checkEnvelope('cloud_api', deep)), 'WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE');
  const deepWasender = Buffer.from(`{"event":"messages.upsert","data":${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}}`);
  assert.equal(codeOf(() => checkEnvelope('wasender', deepWasender)), 'WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE');
});

test('nesting is counted outside strings only, and an envelope at the deepest allowed nesting passes', () => {
  // Brackets inside strings (escaped quotes included) are text, not nesting.
  const brackets = inEnvelope(`{"text":"${'[{'.repeat(10_000)}\\"${'['.repeat(10_000)}"}`);
  assert.equal(codeOf(() => checkEnvelope('cloud_api', brackets)), undefined);
  // The envelope itself is 5 levels (object, entry, entry item, changes, change); the value adds the rest up to 1,000.
  const atLimit = inEnvelope('['.repeat(995) + ']'.repeat(995));
  assert.equal(codeOf(() => checkEnvelope('cloud_api', atLimit)), undefined);
  const pastLimit = inEnvelope('['.repeat(996) + ']'.repeat(996));
  assert.equal(codeOf(() => checkEnvelope('cloud_api', pastLimit)), 'WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE');
});

test('a body too short to nest past the limit as valid JSON is not scanned: one that tries is refused as not JSON', () => {
  // 1,001 opening brackets and nothing else: deeper than the limit, but no JSON text, which is what JSON.parse says.
  assert.equal(codeOf(() => checkEnvelope('cloud_api', Buffer.from('['.repeat(1001)))), 'WAHOOK_ERR_PAYLOAD_NOT_JSON');
  // The same depth closed needs more than twice the limit in bytes, and is scanned.
  assert.equal(codeOf(() => checkEnvelope('cloud_api', Buffer.from('['.repeat(1001) + ']'.repeat(1001)))), 'WAHOOK_ERR_PAYLOAD_NOT_ENVELOPE');
});
