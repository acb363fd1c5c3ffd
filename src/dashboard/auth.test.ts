import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { bearerOf, cookieOf, createAccessCheck, hostIsLocal, isLoopbackHost } from './auth.js';

const PORT = 3000;
const req = (headers: Record<string, string>, socket: object = { localPort: PORT }): IncomingMessage => ({ headers, socket }) as unknown as IncomingMessage;
const local = (headers: Record<string, string> = {}): IncomingMessage => req({ host: `127.0.0.1:${PORT}`, ...headers });
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
  assert.equal(cookieOf('a=1; wahook_session=xyz; b=2', 'wahook_session'), 'xyz');
  assert.equal(cookieOf('xwahook_session=1', 'wahook_session'), undefined);
});

test('a local Host names a loopback name and the port the connection came in on', () => {
  for (const host of [`127.0.0.1:${PORT}`, `localhost:${PORT}`, `LOCALHOST:${PORT}`, `[::1]:${PORT}`]) assert.ok(hostIsLocal(req({ host })), host);
  assert.ok(hostIsLocal(req({ host: 'localhost' }, { localPort: 80 })), 'no port means 80');
  for (const host of ['', 'localhost', `evil.example:${PORT}`, `127.0.0.1.nip.io:${PORT}`, '127.0.0.1:8080', `127.0.0.2:${PORT}`, `[::1]x:${PORT}`, `localhost:${PORT}/x`]) {
    assert.ok(!hostIsLocal(req({ host })), host);
  }
  assert.ok(!hostIsLocal(req({})), 'no Host');
  assert.ok(!hostIsLocal(req({ host: `127.0.0.1:${PORT}` }, {})), 'no socket port to compare with');
});

test('the access rule: open on bare loopback to a local Host only, closed beyond it without a token', () => {
  const open = createAccessCheck({ host: '127.0.0.1', metricsRequireToken: false });
  assert.ok(open.allowed(local(), 'api', none));
  assert.equal(open.sessionCookie(local()), undefined);
  // A rebound DNS name, a proxy passing its public name, a tunnel on another port, a proxy that says so.
  for (const r of [req({ host: `rebind.example:${PORT}` }), req({ host: 'wahook.example.com' }), req({ host: '127.0.0.1:8022' }), req({}),
    local({ 'x-forwarded-for': '203.0.113.9' }), local({ forwarded: 'for=203.0.113.9' })]) {
    assert.ok(!open.allowed(r, 'api', none), JSON.stringify(r.headers));
    assert.ok(!open.allowed(r, 'page', none));
    assert.ok(open.allowed(r, 'metrics', none), '/metrics follows metricsRequireToken only');
  }
  const closed = createAccessCheck({ host: '0.0.0.0', metricsRequireToken: false });
  for (const kind of ['page', 'asset', 'api'] as const) assert.ok(!closed.allowed(local({ authorization: 'Bearer x' }), kind, new URLSearchParams('token=x')), kind);
  assert.ok(closed.allowed(local(), 'metrics', none));
  const metricsOnly = createAccessCheck({ host: '127.0.0.1', metricsRequireToken: true });
  assert.ok(!metricsOnly.allowed(local(), 'metrics', none), 'metrics locked with no token configured stays locked');
});

test('with a token: the query opens the page only, the session cookie opens page, assets and API but not /metrics or a reveal', () => {
  const check = createAccessCheck({ host: '0.0.0.0', adminToken: 's3cret', metricsRequireToken: true });
  const q = new URLSearchParams('token=s3cret');
  assert.ok(check.allowed(req({}), 'page', q));
  assert.ok(!check.allowed(req({}), 'api', q));
  assert.ok(!check.allowed(req({}), 'asset', q));
  const set = check.sessionCookie(req({}))!;
  assert.match(set, /^wahook_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
  const cookie = set.split(';')[0]!;
  assert.ok(!cookie.includes('s3cret'));
  for (const kind of ['page', 'asset', 'api'] as const) assert.ok(check.allowed(req({ cookie }), kind, none), kind);
  assert.ok(!check.allowed(req({ cookie }), 'metrics', none));
  assert.ok(!check.hasBearer(req({ cookie })));
  assert.ok(!check.allowed(req({ cookie: `${cookie}x` }), 'api', none));
  assert.ok(!check.allowed(req({ authorization: `Bearer ${cookie.split('=')[1]}` }), 'api', none), 'the cookie is not a bearer');
  assert.ok(check.allowed(req({ authorization: 'Bearer s3cret' }), 'api', none));
  assert.ok(check.hasBearer(req({ authorization: 'Bearer s3cret' })));
  assert.ok(!check.allowed(req({ authorization: 'Bearer s3cre' }), 'api', none));
});

test('the session cookie is Secure when the request came over TLS or a proxy says https', () => {
  const check = createAccessCheck({ host: '0.0.0.0', adminToken: 's3cret', metricsRequireToken: false });
  for (const r of [req({}, { encrypted: true }), req({ 'x-forwarded-proto': 'https' }), req({ 'x-forwarded-proto': 'HTTPS, http' }),
    req({ forwarded: 'for=203.0.113.9;proto=https;host=wahook.example.com' }), req({ forwarded: 'proto="https"' })]) {
    assert.match(check.sessionCookie(r)!, /; Secure$/, JSON.stringify(r.headers));
  }
  for (const r of [req({}), req({ 'x-forwarded-proto': 'http' }), req({ forwarded: 'for=203.0.113.9;proto=http' })]) {
    assert.doesNotMatch(check.sessionCookie(r)!, /Secure/, JSON.stringify(r.headers));
  }
});
