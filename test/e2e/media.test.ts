import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createLogger } from '../../src/entry/logger.js';
import { runWorker } from '../../src/entry/run-worker.js';
import type { MediaItem } from '../../src/ports/media-index.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { tempDir } from '../helpers/gateway.js';
import { cli, imageMessage, mediaItems } from '../helpers/media.js';
import { cloudEnvelope, messagesChange, openStores, seedDeliveries, textMessage, until, workerConfig, writeHandlers } from '../helpers/pipeline.js';

declare global {
  // The handlers module of these tests reports to the test through this array.
  var __wahookMedia: { kind: string; type: string; messageId?: string; location?: string; sha256?: string; code?: string }[] | undefined;
}

const logger = createLogger('silent');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const nowSec = (): number => Math.floor(Date.now() / 1000);

const HANDLERS = `
  export async function message(e) { globalThis.__wahookMedia.push({ kind: e.kind, type: e.type, messageId: e.messageId }); }
  export async function media(e) { globalThis.__wahookMedia.push({ kind: e.kind, type: e.type, messageId: e.messageId, location: e.location, sha256: e.sha256, code: e.code }); }
`;

let graph: FakeGraph;
before(async () => { graph = await startFakeGraph(); });
after(async () => { await graph.close(); });
beforeEach(() => {
  globalThis.__wahookMedia = [];
  graph.media.clear();
  graph.requests.length = 0;
});

function mediaEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'x', WAHOOK_MEDIA: 'on', WAHOOK_ACCESS_TOKEN: graph.token, WAHOOK_GRAPH_URL: graph.url, WAHOOK_MEDIA_HOSTS: graph.hostPort,
    WAHOOK_MEDIA_MAX_ATTEMPTS: '2', WAHOOK_WORKER_POLL_MS: '5', WAHOOK_WORKER_BACKOFF_BASE_MS: '5', WAHOOK_WORKER_BACKOFF_MAX_MS: '20', ...extra,
  };
}

const settled = (items: MediaItem[], n: number): boolean => items.length === n && items.every((m) => m.state !== 'pending');

describe('media pipeline: worker, storage, events and CLI', () => {
  test('media messages land verified on disk, handlers hear media.ready and media.failed, and `media fetch` retries one item', async () => {
    const dir = tempDir();
    const env = mediaEnv(dir);
    try {
      // Prepare: two images from one contact, one whose hash the Graph API gets wrong, one sent eight days ago.
      const [a, b, c] = [randomBytes(200_000), randomBytes(3_000), randomBytes(5_000)];
      graph.media.set('ma', { body: a });
      graph.media.set('mb', { body: b, mimeType: 'image/webp' });
      graph.media.set('mc', { body: c, sha256: 'ab'.repeat(32) });
      graph.media.set('md', { body: c });
      await seedDeliveries(dir, [
        cloudEnvelope([messagesChange({ messages: [imageMessage('wamid.a', '111', nowSec(), 'ma', a), imageMessage('wamid.b', '111', nowSec(), 'mb', b), textMessage('wamid.t', '111', nowSec())] })]),
        cloudEnvelope([messagesChange({ messages: [{ ...imageMessage('wamid.c', '222', nowSec(), 'mc', c), image: { id: 'mc', mime_type: 'image/jpeg' } }] })]),
        cloudEnvelope([messagesChange({ messages: [imageMessage('wamid.d', '333', nowSec() - 8 * 86_400, 'md', c)] })]),
      ]);
      const config = workerConfig(dir, { handlers: writeHandlers(dir, HANDLERS) }, env);
      // Act
      const worker = await runWorker(config, logger);
      try {
        await until(async () => settled(await mediaItems(env), 4), 20_000, 'four media items to settle');
        await until(() => globalThis.__wahookMedia!.filter((x) => x.kind === 'media').length === 4, 10_000, 'four media events');
        const items = new Map((await mediaItems(env)).map((m) => [m.messageId, m]));
        // Assess: the stored bytes are the sent bytes, at the recorded location.
        for (const [id, body, mime] of [['wamid.a', a, 'image/jpeg'], ['wamid.b', b, 'image/webp']] as const) {
          const m = items.get(id)!;
          assert.deepEqual([m.state, m.bytes, m.sha256, m.mimeType, m.error], ['ready', body.length, sha(body), mime, null], id);
          assert.match(m.location!, new RegExp(`^file://.*/media/default/${sha(body).slice(0, 2)}/${sha(body)}$`));
          assert.deepEqual(readFileSync(fileURLToPath(m.location!)), body);
        }
        const bad = items.get('wamid.c')!;
        assert.deepEqual([bad.state, bad.attempts, bad.location], ['failed', 2, null]);
        assert.match(bad.error!, /^WAHOOK_ERR_MEDIA_INTEGRITY: /);
        const old = items.get('wamid.d')!;
        assert.deepEqual([old.state, old.attempts], ['failed', 1], 'not retried: it cannot succeed');
        assert.match(old.error!, /^WAHOOK_ERR_MEDIA_EXPIRED: .*7 days/);
        assert.ok(!graph.requests.some((r) => r.path.includes('/md')), 'the expired id was never asked for');
        const heard = globalThis.__wahookMedia!.filter((x) => x.kind === 'media');
        assert.deepEqual(heard.map((x) => `${x.type} ${x.messageId}`).sort(), ['media.failed wamid.c', 'media.failed wamid.d', 'media.ready wamid.a', 'media.ready wamid.b']);
        assert.equal(heard.find((x) => x.messageId === 'wamid.a')!.location, items.get('wamid.a')!.location);
        assert.equal(heard.find((x) => x.messageId === 'wamid.d')!.code, 'WAHOOK_ERR_MEDIA_EXPIRED');
        const messagesFirst = globalThis.__wahookMedia!.findIndex((x) => x.messageId === 'wamid.a' && x.kind === 'message') < globalThis.__wahookMedia!.findIndex((x) => x.messageId === 'wamid.a' && x.kind === 'media');
        assert.ok(messagesFirst, 'a handler hears of the message before its media');
        const stores = await openStores(dir);
        const dead = await stores.jobs.deadLetters(10);
        await stores.close();
        assert.deepEqual(dead.map((d) => [d.target, d.event.messageId, d.lastError.split(':')[0]]).sort(), [['media', 'wamid.c', 'WAHOOK_ERR_MEDIA_INTEGRITY'], ['media', 'wamid.d', 'WAHOOK_ERR_MEDIA_EXPIRED']]);
        const events = await cli(['events', '--kind', 'media'], env);
        assert.equal(events.out.trim().split('\n').length, 4);

        // Act again: the Graph API's hash is right now, and one item is fetched again.
        graph.media.set('mc', { body: c });
        const r = await cli(['media', 'fetch', 'wamid.c'], env);
        assert.deepEqual([r.code, JSON.parse(r.out)], [0, { tenant: 'default', messageId: 'wamid.c', queued: true }], r.err);
        await until(async () => (await mediaItems(env)).find((m) => m.messageId === 'wamid.c')!.state === 'ready', 10_000, 'the fetched item to be ready');
        const again = (await mediaItems(env)).find((m) => m.messageId === 'wamid.c')!;
        assert.deepEqual(readFileSync(fileURLToPath(again.location!)), c);
        await until(() => globalThis.__wahookMedia!.some((x) => x.type === 'media.ready' && x.messageId === 'wamid.c'), 10_000, 'media.ready for the fetched item');
        const after = await openStores(dir);
        assert.deepEqual((await after.jobs.deadLetters(10)).map((d) => d.event.messageId), ['wamid.d']);
        await after.close();
      } finally {
        await worker.stop();
      }
      const unknown = await cli(['media', 'fetch', 'wamid.nope'], env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.err, /WAHOOK_ERR_MEDIA_NOT_FOUND/);
      assert.equal((await cli(['media', 'fetch'], env)).code, 2);
      assert.equal((await cli(['media', '--state', 'lost'], env)).code, 2);
      assert.deepEqual((await cli(['media', '--state', 'failed'], env)).out.trim().split('\n').map((l) => (JSON.parse(l) as MediaItem).messageId), ['wamid.d']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a stalled download holds neither the handlers nor the drain', async () => {
    const dir = tempDir();
    const env = mediaEnv(dir, { WAHOOK_MEDIA_CONCURRENCY: '1', WAHOOK_MEDIA_READ_TIMEOUT_MS: '4000', WAHOOK_MEDIA_MAX_ATTEMPTS: '1' });
    try {
      const body = randomBytes(50_000);
      graph.media.set('stall', { body, stallAfter: 1_000 });
      await seedDeliveries(dir, [cloudEnvelope([messagesChange({ messages: [imageMessage('wamid.s', '444', nowSec(), 'stall', body)] })])]);
      const worker = await runWorker(workerConfig(dir, { handlers: writeHandlers(dir, HANDLERS) }, env), logger);
      try {
        await until(async () => (await mediaItems(env)).length === 1, 5_000, 'the download to start');
        const started = Date.now();
        await seedDeliveries(dir, Array.from({ length: 5 }, (_, i) => cloudEnvelope([messagesChange({ messages: [textMessage(`wamid.x${i}`, String(600 + i), nowSec())] })])));
        await until(() => globalThis.__wahookMedia!.filter((x) => x.messageId?.startsWith('wamid.x')).length === 5, 3_000, 'the texts to reach their handler');
        assert.ok(Date.now() - started < 3_000);
        assert.equal((await mediaItems(env))[0]!.state, 'pending', 'the download is still stalled meanwhile');
        await until(async () => (await mediaItems(env))[0]!.state === 'failed', 10_000, 'the stalled download to time out');
        assert.match((await mediaItems(env))[0]!.error!, /^WAHOOK_ERR_MEDIA_TIMEOUT/);
      } finally {
        await worker.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('while the edge takes webhooks, a download slot rests as long as it worked before the next', async () => {
    const dir = tempDir();
    const env = mediaEnv(dir, { WAHOOK_MEDIA_CONCURRENCY: '1' });
    try {
      const [p, q] = [randomBytes(10_000), randomBytes(10_000)];
      graph.media.set('p1', { body: p });
      graph.media.set('p2', { body: q });
      await seedDeliveries(dir, [cloudEnvelope([messagesChange({ messages: [imageMessage('wamid.p1', '901', nowSec(), 'p1', p), imageMessage('wamid.p2', '902', nowSec(), 'p2', q)] })])]);
      const rests: number[] = [];
      // The edge counts as busy throughout: every download is followed by a rest of 400 ms.
      const worker = await runWorker(workerConfig(dir, {}, env), logger, { mediaPace: (ms) => { rests.push(ms); return 400; } });
      try {
        await until(async () => settled(await mediaItems(env), 2), 10_000, 'both downloads');
      } finally {
        await worker.stop();
      }
      const resolvedAt = graph.requests.filter((r) => r.path.startsWith('/v24.0/')).map((r) => r.at);
      assert.equal(resolvedAt.length, 2);
      assert.ok(resolvedAt[1]! - resolvedAt[0]! >= 400, `the second download began ${resolvedAt[1]! - resolvedAt[0]!} ms after the first`);
      assert.equal(rests.length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
