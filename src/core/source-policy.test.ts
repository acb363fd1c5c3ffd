import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRequest } from './edge-request.js';
import { isGatewayError } from './errors.js';
import { clientAddress, sourcePolicy } from './source-policy.js';
import type { ReceiveOptions } from './receive.js';

const proxies = sourcePolicy(['10.0.0.0/8', 'fd00::/8'], []);

test('the client address is the peer unless the peer is a trusted proxy', () => {
  assert.equal(clientAddress('198.51.100.4', { 'x-forwarded-for': '203.0.113.9' }, proxies), '198.51.100.4', 'an untrusted peer cannot claim an address');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': '203.0.113.9' }, proxies), '203.0.113.9');
  assert.equal(clientAddress('::ffff:10.0.0.2', { 'x-forwarded-for': '203.0.113.9' }, proxies), '203.0.113.9', 'a mapped peer is trusted like its IPv4 form');
  assert.equal(clientAddress('10.0.0.2', {}, proxies), '10.0.0.2', 'a trusted peer that forwards nothing is the client');
  assert.equal(clientAddress(undefined, { 'x-forwarded-for': '203.0.113.9' }, proxies), undefined);
});

test('X-Forwarded-For is walked from the right, skipping trusted hops; what the client wrote on the left is never believed', () => {
  const h = { 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.1.1.1, fd00::5' };
  assert.equal(clientAddress('10.0.0.2', h, proxies), '203.0.113.9');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': ['1.1.1.1, 10.9.9.9', '10.1.1.1'] }, proxies), '1.1.1.1', 'repeated headers are one list');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': '10.3.3.3, 10.1.1.1' }, proxies), '10.3.3.3', 'all trusted: the leftmost');
  assert.equal(clientAddress('10.0.0.2', { 'x-forwarded-for': 'garbage' }, proxies), 'garbage', 'not an address: returned as is, and matches no range');
});

const opts = (trusted: string[], allow: string[]): ReceiveOptions => ({
  tenants: { default: { name: 'default', appSecrets: ['s'], verifyToken: 'v' } },
  insecureSkipSignature: false,
  sources: sourcePolicy(trusted, allow),
});
const code = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return isGatewayError(e) ? e.code : 'not a GatewayError';
  }
};
const JSON_HEAD = { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' };

test('an allowlist refuses webhook POSTs from elsewhere with 403 before anything else is decided', () => {
  const o = opts(['10.0.0.0/8'], ['173.245.48.0/20', '2400:cb00::/32']);
  assert.equal(startRequest('POST', '/webhook', '', JSON_HEAD, o, '173.245.48.7').kind, 'receive');
  assert.equal(startRequest('POST', '/webhook', '', JSON_HEAD, o, '::ffff:173.245.48.7').kind, 'receive');
  assert.equal(startRequest('POST', '/webhook', '', JSON_HEAD, o, '2400:cb00::1').kind, 'receive');
  assert.equal(code(() => startRequest('POST', '/webhook', '', JSON_HEAD, o, '198.51.100.1')), 'WAHOOK_ERR_SOURCE_NOT_ALLOWED');
  assert.equal(code(() => startRequest('POST', '/webhook/nobody', '', {}, o, '198.51.100.1')), 'WAHOOK_ERR_SOURCE_NOT_ALLOWED', 'before the tenant lookup: no tenant names leak');
  assert.equal(code(() => startRequest('POST', '/webhook/wasender', '', JSON_HEAD, o, '198.51.100.1')), 'WAHOOK_ERR_SOURCE_NOT_ALLOWED');
  assert.equal(code(() => startRequest('POST', '/webhook', '', JSON_HEAD, o, undefined)), 'WAHOOK_ERR_SOURCE_NOT_ALLOWED', 'an unknown peer is refused');
  // Through a trusted proxy the forwarded address decides, in both directions.
  assert.equal(startRequest('POST', '/webhook', '', { ...JSON_HEAD, 'x-forwarded-for': '173.245.48.7' }, o, '10.0.0.2').kind, 'receive');
  assert.equal(code(() => startRequest('POST', '/webhook', '', { ...JSON_HEAD, 'x-forwarded-for': '173.245.48.7, 198.51.100.1' }, o, '10.0.0.2')), 'WAHOOK_ERR_SOURCE_NOT_ALLOWED');
  assert.equal(code(() => startRequest('POST', '/webhook', '', { ...JSON_HEAD, 'x-forwarded-for': '173.245.48.7' }, o, '198.51.100.1')), 'WAHOOK_ERR_SOURCE_NOT_ALLOWED', 'a forged header from an untrusted peer');
});

test('an allowlist leaves other routes alone, and an allowed source still needs its signature header', () => {
  const o = opts([], ['173.245.48.0/20']);
  assert.equal(startRequest('GET', '/webhook', 'hub.mode=subscribe&hub.verify_token=v&hub.challenge=1', {}, o, '198.51.100.1').kind, 'respond');
  assert.equal(startRequest('GET', '/healthz', '', {}, o, '198.51.100.1').kind, 'respond');
  assert.equal(code(() => startRequest('POST', '/webhook', '', { 'content-type': 'application/json' }, o, '173.245.48.7')), 'WAHOOK_ERR_SIGNATURE_MISSING');
  assert.equal(startRequest('POST', '/webhook', '', JSON_HEAD, opts(['10.0.0.0/8'], []), '198.51.100.1').kind, 'receive', 'trusted proxies alone refuse nobody');
});

test('a list entry that is not a range is a config error naming the key and the entry', () => {
  assert.throws(() => sourcePolicy(['10.0.0.0/8', 'proxy.internal'], []), (e) => isGatewayError(e) && e.code === 'WAHOOK_ERR_CONFIG_INVALID' && /trustedProxies/.test(e.message) && /proxy\.internal/.test(e.message));
  assert.throws(() => sourcePolicy([], ['1.2.3.4/40']), (e) => isGatewayError(e) && /webhookAllowCidrs/.test(e.message));
});
