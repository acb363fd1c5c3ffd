import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { startFakeGraph, type FakeGraph } from '../../../test/helpers/fake-graph.js';
import { tempDir } from '../../../test/helpers/gateway.js';
import { encryptWhatsAppMedia, type EncryptedMedia } from '../../../test/helpers/whatsapp-media.js';
import { hostRules } from '../../core/media/host-rules.js';
import type { WasenderMediaRef } from '../../core/media/reference.js';
import type { TenantConfig } from '../../core/tenant.js';
import type { FetchContext } from './fetch-context.js';
import { MediaHttp } from './http.js';
import { fetchWasenderMedia } from './wasender.js';

const KEY = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const hex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let cdn: FakeGraph;
let staging: string;
const clients: MediaHttp[] = [];

before(async () => { cdn = await startFakeGraph(); });
after(async () => { await cdn.close(); });
beforeEach(() => {
  staging = tempDir('wahook-staging-');
  cdn.files.clear();
  cdn.routes.clear();
  cdn.requests.length = 0;
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  rmSync(staging, { recursive: true, force: true });
});

function ctx(maxBytes = 10 * 1024 * 1024): FetchContext {
  const http = new MediaHttp({ connectTimeoutMs: 2_000, readTimeoutMs: 5_000 });
  clients.push(http);
  return { http, hosts: hostRules([cdn.hostPort]), maxBytes, stagingDir: staging, now: Date.now };
}

function refFor(m: EncryptedMedia, plain: Buffer, kind: WasenderMediaRef['kind'], where: { url?: string; directPath?: string }): WasenderMediaRef {
  return {
    provider: 'wasender', kind, mediaKey: m.mediaKey, fileSha256: hex(m.fileSha256), fileEncSha256: hex(m.fileEncSha256), fileLength: plain.length, mimeType: 'audio/ogg; codecs=opus',
    original: { mimetype: 'audio/ogg; codecs=opus', mediaKey: m.mediaKey.toString('base64'), fileSha256: m.fileSha256, fileEncSha256: m.fileEncSha256, fileLength: String(plain.length), ...where },
    ...where,
  };
}

const tenant: TenantConfig = { name: 'default', appSecrets: [] };
const settings = (): { cdnUrl: string } => ({ cdnUrl: `${cdn.url}/cdn` });
const staged = (): string[] => readdirSync(staging).filter((f) => f.endsWith('.part'));

describe('WASender media, decrypted here', () => {
  test('a voice note encrypted with a known key is fetched from the CDN plus its directPath and decrypted', async () => {
    const plain = randomBytes(123_457);
    const m = encryptWhatsAppMedia(plain, 'audio', KEY);
    cdn.files.set('v/t62/voice.enc', m.enc);
    const got = await fetchWasenderMedia(refFor(m, plain, 'audio', { directPath: '/v/t62/voice.enc?ccb=9-4', url: 'https://mmg.whatsapp.net/elsewhere.enc' }), '3EB0', tenant, settings(), ctx());
    assert.deepEqual(readFileSync(got.file), plain);
    assert.deepEqual([got.bytes, got.sha256, got.mimeType], [plain.length, sha(plain), 'audio/ogg; codecs=opus']);
    assert.deepEqual(cdn.requests.map((r) => r.path), ['/cdn/v/t62/voice.enc?ccb=9-4']);
  });

  test('without a directPath the url is used; a sticker uses the image keys', async () => {
    const plain = randomBytes(9000);
    const m = encryptWhatsAppMedia(plain, 'image', KEY);
    cdn.files.set('s.enc', m.enc);
    const got = await fetchWasenderMedia(refFor(m, plain, 'sticker', { url: `${cdn.url}/cdn/s.enc` }), '3EB1', tenant, settings(), ctx());
    assert.equal(got.sha256, sha(plain));
  });

  test('altered bytes, a wrong key or a wrong hash store nothing', async () => {
    const plain = randomBytes(40_000);
    const m = encryptWhatsAppMedia(plain, 'document', KEY);
    const altered = Buffer.from(m.enc);
    altered[20_000] = altered[20_000]! ^ 0x80;
    cdn.files.set('altered.enc', altered);
    cdn.files.set('good.enc', m.enc);
    const codeOf = (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: { code?: string }) => e.code);
    assert.equal(await codeOf(fetchWasenderMedia(refFor(m, plain, 'document', { directPath: '/altered.enc' }), 'a', tenant, settings(), ctx())), 'WAHOOK_ERR_MEDIA_INTEGRITY');
    assert.equal(await codeOf(fetchWasenderMedia({ ...refFor(m, plain, 'document', { directPath: '/good.enc' }), mediaKey: randomBytes(32) }, 'b', tenant, settings(), ctx())), 'WAHOOK_ERR_MEDIA_INTEGRITY');
    assert.equal(await codeOf(fetchWasenderMedia({ ...refFor(m, plain, 'document', { directPath: '/good.enc' }), fileSha256: 'ab'.repeat(32) }, 'c', tenant, settings(), ctx())), 'WAHOOK_ERR_MEDIA_INTEGRITY');
    const { fileEncSha256: _omitted, ...unhashed } = refFor(m, plain, 'document', { directPath: '/good.enc' });
    assert.equal(await codeOf(fetchWasenderMedia(unhashed, 'd', tenant, settings(), ctx())), 'WAHOOK_ERR_MEDIA_UNVERIFIABLE');
    assert.equal(await codeOf(fetchWasenderMedia(refFor(m, plain, 'document', { directPath: '/good.enc' }), 'e', tenant, settings(), ctx(1000))), 'WAHOOK_ERR_MEDIA_TOO_LARGE');
    assert.equal(await codeOf(fetchWasenderMedia(refFor(m, plain, 'document', { url: 'https://cdn.example.org/x.enc' }), 'f', tenant, settings(), ctx())), 'WAHOOK_ERR_MEDIA_HOST_REFUSED');
    assert.deepEqual(staged(), []);
  });
});

describe('WASender media, decrypted by the vendor', () => {
  test('the message goes to the decrypt endpoint with the API key; the public URL\'s bytes are checked against fileSha256', async () => {
    const plain = randomBytes(20_000);
    const m = encryptWhatsAppMedia(plain, 'image', KEY);
    let posted: unknown;
    cdn.routes.set('POST /api/decrypt-media', (req, res, body) => {
      if (req.headers.authorization !== 'Bearer session-key') return void res.writeHead(401).end();
      posted = JSON.parse(body.toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true, publicUrl: `${cdn.url}/api/decrypted-media/abc` }));
    });
    let served = plain;
    cdn.routes.set('GET /api/decrypted-media/abc', (_req, res) => void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(served));
    const withKey: TenantConfig = { ...tenant, wasenderApiKey: 'session-key' };
    const ref = refFor(m, plain, 'image', { url: 'https://mmg.whatsapp.net/x.enc' });
    const decryptUrl = `${cdn.url}/api/decrypt-media`;
    const got = await fetchWasenderMedia(ref, '3EB9', withKey, { cdnUrl: cdn.url, decryptUrl }, ctx());
    assert.deepEqual(readFileSync(got.file), plain);
    rmSync(got.file);
    const msg = (posted as { data: { messages: { key: { id: string }; message: { imageMessage: Record<string, unknown> } } } }).data.messages;
    assert.equal(msg.key.id, '3EB9');
    assert.equal(msg.message.imageMessage['mediaKey'], m.mediaKey.toString('base64'));
    assert.equal(msg.message.imageMessage['url'], 'https://mmg.whatsapp.net/x.enc');
    served = randomBytes(20_000);
    await assert.rejects(fetchWasenderMedia(ref, '3EB9', withKey, { cdnUrl: cdn.url, decryptUrl }, ctx()), (e: { code?: string }) => e.code === 'WAHOOK_ERR_MEDIA_INTEGRITY');
    await assert.rejects(fetchWasenderMedia(ref, '3EB9', { ...tenant, wasenderApiKey: 'wrong' }, { cdnUrl: cdn.url, decryptUrl }, ctx()), (e: { code?: string }) => e.code === 'WAHOOK_ERR_MEDIA_RESOLVE_FAILED');
    assert.deepEqual(staged(), []);
  });
});
