import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { bearerOf, cookieOf, createAccessCheck, isLoopbackHost } from './auth.js';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;
const none = new URLSearchParams();

test('only loopback addresses count as loopback', () => {
  for (const h of ['127.0.0.1', '127.0.1.1', '::1', '[::1]', 'localhost', 'LOCALHOST ']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.internal', '127.0.0.1.nip.io', '']) assert.ok(!isLoopbackHost(h), h);
});

test('bearer and cookie parsing take exactly one well-formed value', () => {
  assert.equal(bearerOf('Bearer abc'), 'abc');
  assert.equal(bearerOf('bearer  abc '), 'abc');
  assert.equal(bearerOf('Basic abc'), undefined);
  assert.equal(bearerOf('Bearer a b'), undefined);
  assert.equal(bearerOf(undefined), undefined);
  assert.equal(cookieOf('a=1; wahook_assets=xyz; b=2', 'wahook_assets'), 'xyz');
  assert.equal(cookieOf('xwahook_assets=1', 'wahook_assets'), undefined);
});

test('the access rule: open on bare loopback, closed beyond it without a token', () => {
  const open = createAccessCheck({ host: '127.0.0.1', metricsRequireToken: false });
  assert.ok(open.allowed(req({}), 'api', none));
  assert.equal(open.assetCookie(), undefined);
  const closed = createAccessCheck({ host: '0.0.0.0', metricsRequireToken: false });
  for (const kind of ['page', 'asset', 'api'] as const) assert.ok(!closed.allowed(req({ authorization: 'Bearer x' }), kind, new URLSearchParams('token=x')), kind);
  assert.ok(closed.allowed(req({}), 'metrics', none));
  const metricsOnly = createAccessCheck({ host: '127.0.0.1', metricsRequireToken: true });
  assert.ok(!metricsOnly.allowed(req({}), 'metrics', none), 'metrics locked with no token configured stays locked');
});

test('with a token, the query works for the page only and the cookie for assets only', () => {
  const check = createAccessCheck({ host: '0.0.0.0', adminToken: 's3cret', metricsRequireToken: false });
  const q = new URLSearchParams('token=s3cret');
  assert.ok(check.allowed(req({}), 'page', q));
  assert.ok(!check.allowed(req({}), 'api', q));
  assert.ok(!check.allowed(req({}), 'asset', q));
  const cookie = check.assetCookie()!.split(';')[0]!;
  assert.ok(!cookie.includes('s3cret'));
  assert.ok(check.allowed(req({ cookie }), 'asset', none));
  assert.ok(!check.allowed(req({ cookie }), 'api', none));
  assert.ok(check.allowed(req({ authorization: 'Bearer s3cret' }), 'api', none));
  assert.ok(!check.allowed(req({ authorization: 'Bearer s3cre' }), 'api', none));
});
