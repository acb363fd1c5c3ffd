import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { startFakeGraph, type FakeGraph } from '../../../test/helpers/fake-graph.js';
import { tempDir } from '../../../test/helpers/gateway.js';
import { hostRules } from '../../core/media/host-rules.js';
import type { CloudMediaRef } from '../../core/media/reference.js';
import type { TenantConfig } from '../../core/tenant.js';
import { fetchCloudMedia } from './cloud-api.js';
import type { FetchContext } from './fetch-context.js';
import { MediaHttp, type LookupFn } from './http.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let graph: FakeGraph;
let other: FakeGraph;
let staging: string;
const clients: MediaHttp[] = [];

before(async () => {
  graph = await startFakeGraph();
  other = await startFakeGraph('other-token');
});
after(async () => {
  await graph.close();
  await other.close();
});
beforeEach(() => {
  staging = tempDir('wahook-staging-');
  graph.media.clear();
  graph.requests.length = 0;
  other.requests.length = 0;
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  rmSync(staging, { recursive: true, force: true });
});

const tenant = (): TenantConfig => ({ name: 'default', appSecrets: [], accessToken: graph.token, graphUrl: graph.url, graphVersion: 'v24.0' });
const ref = (mediaId: string, over: Partial<CloudMediaRef> = {}): CloudMediaRef => ({ provider: 'cloud_api', kind: 'image', mediaId, sentAt: Date.now() - 60_000, ...over });

function ctx(over: { allow?: string[]; maxBytes?: number; now?: () => number; connectTimeoutMs?: number; readTimeoutMs?: number; lookup?: LookupFn } = {}): FetchContext {
  const http = new MediaHttp({ connectTimeoutMs: over.connectTimeoutMs ?? 2_000, readTimeoutMs: over.readTimeoutMs ?? 5_000, ...(over.lookup ? { lookup: over.lookup } : {}) });
  clients.push(http);
  return { http, hosts: hostRules(over.allow ?? [graph.hostPort]), maxBytes: over.maxBytes ?? 10 * 1024 * 1024, stagingDir: staging, now: over.now ?? Date.now };
}

const stagedFiles = (): string[] => readdirSync(staging).filter((f) => f.endsWith('.part'));
const downloads = (g: FakeGraph = graph): number => g.requests.filter((r) => r.path.startsWith('/dl/')).length;
const resolves = (): number => graph.requests.filter((r) => r.path.startsWith('/v24.0/')).length;

async function rejectsWith(p: Promise<unknown>, code: string, retryable?: boolean): Promise<void> {
  await assert.rejects(p, (e: { code?: string; retryable?: boolean; message?: string }) => {
    assert.equal(e.code, code, e.message);
    if (retryable !== undefined) assert.equal(e.retryable, retryable);
    return true;
  });
}

describe('Cloud API media against a fake Graph API', () => {
  test('resolves the id, downloads with the token, checks both hashes, and stages the bytes', async () => {
    const body = randomBytes(300_000);
    graph.media.set('m1', { body, mimeType: 'image/png' });
    const got = await fetchCloudMedia(ref('m1', { sha256: sha(body), phoneNumberId: '1065' }), 'default', tenant(), ctx());
    assert.deepEqual(readFileSync(got.file), body);
    assert.deepEqual([got.bytes, got.sha256, got.mimeType], [body.length, sha(body), 'image/png']);
    assert.deepEqual([resolves(), downloads()], [1, 1]);
    assert.match(graph.requests[0]!.path, /^\/v24\.0\/m1\?phone_number_id=1065$/);
    assert.ok(graph.requests.every((r) => r.authorization === `Bearer ${graph.token}`));
  });

  test('an expired URL is answered 404: the id is resolved again and the fresh URL serves', async () => {
    const body = randomBytes(1000);
    graph.media.set('m2', { body, expiredUrls: 1 });
    const got = await fetchCloudMedia(ref('m2'), 'default', tenant(), ctx());
    assert.equal(got.sha256, sha(body));
    assert.deepEqual([resolves(), downloads()], [2, 2]);
  });

  test('a URL past its five minutes is resolved again before it is used', async () => {
    const body = randomBytes(1000);
    graph.media.set('m3', { body, urlTtlMs: 60_000 });
    let t = Date.now();
    // Five minutes pass between any two readings of the clock, so the URL is stale by the time it would be used.
    const clock = (): number => (t += 5 * 60 * 1000);
    await fetchCloudMedia(ref('m3', { sentAt: Date.now() }), 'default', tenant(), ctx({ now: clock }));
    assert.deepEqual([resolves(), downloads()], [2, 1], 'no download of the stale URL');
  });

  test('a 404 followed by success; a 404 that persists fails after two fresh URLs, to be retried', async () => {
    const body = randomBytes(2000);
    graph.media.set('m4', { body, downloadFailures: 1 });
    assert.equal((await fetchCloudMedia(ref('m4'), 'default', tenant(), ctx())).sha256, sha(body));
    assert.deepEqual([resolves(), downloads()], [2, 2]);
    graph.requests.length = 0;
    graph.media.set('m5', { body, downloadFailures: 99 });
    await rejectsWith(fetchCloudMedia(ref('m5'), 'default', tenant(), ctx()), 'WAHOOK_ERR_MEDIA_DOWNLOAD_FAILED', true);
    assert.deepEqual([resolves(), downloads()], [3, 3]);
  });

  test('a 401 or a 403 from the media URL is answered with a fresh URL, like a 404', async () => {
    for (const status of [401, 403]) {
      const body = randomBytes(500);
      let asked = 0;
      graph.routes.set(`GET /files/s${status}`, (_req, res) => void (asked++ === 0 ? res.writeHead(status).end() : res.writeHead(200, { 'content-length': String(body.length) }).end(body)));
      graph.media.set(`s${status}`, { body, urlOverride: `${graph.url}/files/s${status}` });
      graph.requests.length = 0;
      assert.equal((await fetchCloudMedia(ref(`s${status}`), 'default', tenant(), ctx())).sha256, sha(body), String(status));
      assert.deepEqual([resolves(), asked], [2, 2], `${status}: the id is resolved again and the fresh URL serves`);
    }
  });

  test('a failing Graph API is a retryable resolve failure that names its answer', async () => {
    graph.media.set('m6', { body: randomBytes(10), resolveFailures: 1 });
    await assert.rejects(fetchCloudMedia(ref('m6'), 'default', tenant(), ctx()), (e: { code?: string; message: string }) => e.code === 'WAHOOK_ERR_MEDIA_RESOLVE_FAILED' && /HTTP 500.*unexpected error/.test(e.message));
    await rejectsWith(fetchCloudMedia(ref('nope'), 'default', tenant(), ctx()), 'WAHOOK_ERR_MEDIA_RESOLVE_FAILED', true);
    await rejectsWith(fetchCloudMedia(ref('m6'), 'default', { ...tenant(), accessToken: 'wrong' }, ctx()), 'WAHOOK_ERR_MEDIA_RESOLVE_FAILED');
    assert.equal(downloads(), 0);
  });

  test('a wrong sha256, from the metadata or from the webhook, stores nothing', async () => {
    const body = randomBytes(5000);
    graph.media.set('m7', { body, sha256: 'ab'.repeat(32) });
    await rejectsWith(fetchCloudMedia(ref('m7'), 'default', tenant(), ctx()), 'WAHOOK_ERR_MEDIA_INTEGRITY', true);
    graph.media.set('m8', { body });
    await rejectsWith(fetchCloudMedia(ref('m8', { sha256: 'cd'.repeat(32) }), 'default', tenant(), ctx()), 'WAHOOK_ERR_MEDIA_INTEGRITY');
    graph.media.set('m9', { body, sha256: null });
    await rejectsWith(fetchCloudMedia(ref('m9'), 'default', tenant(), ctx()), 'WAHOOK_ERR_MEDIA_UNVERIFIABLE', false);
    graph.media.set('m10', { body, fileSize: body.length + 1 });
    await rejectsWith(fetchCloudMedia(ref('m10'), 'default', tenant(), ctx()), 'WAHOOK_ERR_MEDIA_INTEGRITY');
    assert.deepEqual(stagedFiles(), []);
  });

  test('an oversized file: refused from its metadata without a download, or cut off as its bytes pass the limit', async () => {
    const body = randomBytes(50_000);
    graph.media.set('big', { body });
    await rejectsWith(fetchCloudMedia(ref('big'), 'default', tenant(), ctx({ maxBytes: 10_000 })), 'WAHOOK_ERR_MEDIA_TOO_LARGE', false);
    assert.equal(downloads(), 0);
    graph.media.set('liar', { body, fileSize: null, chunked: true });
    await rejectsWith(fetchCloudMedia(ref('liar'), 'default', tenant(), ctx({ maxBytes: 10_000 })), 'WAHOOK_ERR_MEDIA_TOO_LARGE', false);
    assert.equal(downloads(), 1);
    graph.media.set('declared', { body, fileSize: null });
    await rejectsWith(fetchCloudMedia(ref('declared'), 'default', tenant(), ctx({ maxBytes: 10_000 })), 'WAHOOK_ERR_MEDIA_TOO_LARGE', false);
    assert.deepEqual(stagedFiles(), []);
  });

  test('a slow body that stalls fails the attempt after the read timeout, and leaves nothing behind', async () => {
    graph.media.set('slow', { body: randomBytes(100_000), stallAfter: 20_000 });
    const started = Date.now();
    await rejectsWith(fetchCloudMedia(ref('slow'), 'default', tenant(), ctx({ readTimeoutMs: 300 })), 'WAHOOK_ERR_MEDIA_TIMEOUT', true);
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 5_000, `${took} ms`);
    assert.deepEqual(stagedFiles(), []);
  });

  test('a host that never answers name resolution fails on the connect timeout', async () => {
    graph.media.set('m11', { body: randomBytes(10), urlOverride: 'http://cdn.hang.test:8080/x' });
    const hang: LookupFn = () => undefined;
    await rejectsWith(fetchCloudMedia(ref('m11'), 'default', tenant(), ctx({ allow: ['cdn.hang.test:8080'], lookup: hang, connectTimeoutMs: 200 })), 'WAHOOK_ERR_MEDIA_TIMEOUT');
  });

  test('a media id older than 7 days is given up on without a request; a tenant without a token likewise', async () => {
    graph.media.set('old', { body: randomBytes(10) });
    await rejectsWith(fetchCloudMedia(ref('old', { sentAt: Date.now() - 8 * 86_400_000 }), 'default', tenant(), ctx()), 'WAHOOK_ERR_MEDIA_EXPIRED', false);
    await rejectsWith(fetchCloudMedia(ref('old'), 'acme', { name: 'acme', appSecrets: [] }, ctx()), 'WAHOOK_ERR_MEDIA_NO_CREDENTIALS', false);
    assert.equal(graph.requests.length, 0);
  });
});

describe('Cloud API media: where downloads may go', () => {
  test('a URL on a host not listed fails at once and is never fetched', async () => {
    graph.media.set('elsewhere', { body: randomBytes(10), urlOverride: `${other.url}/dl/elsewhere` });
    await rejectsWith(fetchCloudMedia(ref('elsewhere'), 'default', tenant(), ctx()), 'WAHOOK_ERR_MEDIA_HOST_REFUSED', false);
    assert.equal(other.requests.length, 0);
  });

  test('a listed wildcard or built-in host that resolves to a loopback address is refused before connecting; named exactly, it is fetched', async () => {
    const body = randomBytes(100);
    const toLoopback: LookupFn = (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);
    graph.media.set('rebind', { body, urlOverride: `https://cdn.media.test/dl/rebind` });
    await rejectsWith(fetchCloudMedia(ref('rebind'), 'default', tenant(), ctx({ allow: ['*.media.test', graph.hostPort], lookup: toLoopback })), 'WAHOOK_ERR_MEDIA_HOST_REFUSED', false);
    graph.media.set('builtin', { body, urlOverride: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1' });
    await rejectsWith(fetchCloudMedia(ref('builtin'), 'default', tenant(), ctx({ allow: [], lookup: toLoopback })), 'WAHOOK_ERR_MEDIA_HOST_REFUSED', false);
    assert.equal(downloads(), 0);
    graph.media.set('named', { body, urlOverride: `http://cdn.media.test:${graph.port}/dl/named?n=1&at=${Date.now()}` });
    const got = await fetchCloudMedia(ref('named'), 'default', tenant(), ctx({ allow: [`cdn.media.test:${graph.port}`], lookup: toLoopback }));
    assert.equal(got.sha256, sha(body));
  });

  test('a redirect is followed to a listed host without the token, and refused to any other', async () => {
    const body = randomBytes(4000);
    other.media.set('moved', { body });
    other.routes.set('GET /moved', (_req, res) => void res.writeHead(200, { 'content-length': String(body.length) }).end(body));
    graph.media.set('r1', { body, redirectTo: `${other.url}/moved` });
    const got = await fetchCloudMedia(ref('r1'), 'default', tenant(), ctx({ allow: [graph.hostPort, other.hostPort] }));
    assert.equal(got.sha256, sha(body));
    assert.deepEqual(other.requests.map((r) => [r.path, r.authorization]), [['/moved', undefined]], 'the token stays with the origin the Graph API named');
    other.requests.length = 0;
    await rejectsWith(fetchCloudMedia(ref('r1'), 'default', tenant(), ctx()), 'WAHOOK_ERR_MEDIA_HOST_REFUSED', false);
    assert.equal(other.requests.length, 0);
  });

  test('the media URL the Graph API returns gets the token even on another host: it is the one it named', async () => {
    const body = randomBytes(10);
    graph.media.set('t1', { body, urlOverride: `${other.url}/files/t1` });
    other.routes.set('GET /files/t1', (_req, res) => void res.writeHead(200, { 'content-length': '10' }).end(body));
    assert.equal((await fetchCloudMedia(ref('t1'), 'default', tenant(), ctx({ allow: [graph.hostPort, other.hostPort] }))).sha256, sha(body));
    assert.deepEqual(other.requests.map((r) => r.authorization), [`Bearer ${graph.token}`]);
    assert.ok(graph.requests.every((r) => r.authorization === `Bearer ${graph.token}` && r.path.startsWith('/v24.0/')));
  });
});
