import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keptHeaders, storedHeaders } from './stored-headers.js';

const sig = `sha256=${'0123456789abcdef'.repeat(4)}`;

test('the usual headers are stored as the signature bytes and an empty text, and read back exactly', () => {
  for (const h of [{ 'x-hub-signature-256': sig, 'content-type': 'application/json' }, { 'content-type': 'application/json' }] as Record<string, string>[]) {
    const s = storedHeaders(h);
    assert.equal(s.rest, '');
    assert.equal(s.signature?.length, 'x-hub-signature-256' in h ? 32 : undefined);
    assert.deepEqual(keptHeaders(s.signature, s.rest), h);
  }
});

test('anything else is kept as JSON, exactly as given', () => {
  for (const h of [
    {},
    { 'x-hub-signature-256': sig.toUpperCase().replace('SHA256', 'sha256'), 'content-type': 'application/json' },
    { 'x-hub-signature-256': sig, 'content-type': 'application/json; charset=utf-8' },
    { 'x-hub-signature-256': sig, 'content-type': 'application/json', 'x-extra': 'Olá' },
    { 'x-hub-signature-256': 'sha256=ab', 'content-type': 'application/json' },
    { 'x-hub-signature-256': sig.replace('sha256', 'SHA256'), 'content-type': 'application/json' },
    // Each character just outside the digits and a-f, at both ends.
    ...['/', ':', '`', 'g'].flatMap((c) => [`${sig.slice(0, 7)}${c}${sig.slice(8)}`, `${sig.slice(0, 70)}${c}`]).map((s) => ({ 'x-hub-signature-256': s, 'content-type': 'application/json' })),
    { 'x-hub-signature-256': sig },
    { 'content-type': 'application/json', 'x-hub-signature-256': sig },
    { 'x-hub-signature-256': [sig] as unknown as string, 'content-type': 'application/json' },
  ] as Record<string, string>[]) {
    const s = storedHeaders(h);
    assert.equal(s.signature, null);
    assert.equal(s.rest, JSON.stringify(h));
    assert.deepEqual(keptHeaders(s.signature, s.rest), h);
    assert.equal(JSON.stringify(keptHeaders(s.signature, s.rest)), JSON.stringify(h));
  }
});
