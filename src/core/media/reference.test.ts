import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadFixture } from '../../../test/helpers/fixtures.js';
import { isGatewayError } from '../errors.js';
import type { WahookEvent } from '../events.js';
import { routesFor } from '../job-routing.js';
import { normalize } from '../normalize/index.js';
import { mediaEvent, mediaRefOf, sha256Hex, storageKey } from './reference.js';

const ref = { tenant: 'default', deliveryId: '7', receivedAt: 1_739_321_400_000 };
const events = (provider: 'cloud_api' | 'wasender', fixture: string): WahookEvent[] => normalize({ ...ref, provider }, loadFixture(fixture)).events;
const MEDIA = { name: 'media', kinds: ['message' as const], has: 'media', lane: 'event' as const };

describe('media references', () => {
  test('a Cloud API image: its media id, the webhook\'s base64 hash as hex, its type and phone number', () => {
    const [e] = events('cloud_api', 'cloud-api/messages/image.json');
    const r = mediaRefOf(e!);
    assert.equal(r.provider, 'cloud_api');
    if (r.provider !== 'cloud_api') return;
    assert.equal(r.mediaId, '1003383421387256');
    assert.equal(r.sha256, Buffer.from('zsgM4JGpXyrpTeJP2KMdFqQmUBB9dc7VHKyyMkN9GO0=', 'base64').toString('hex'));
    assert.equal(r.mimeType, 'image/jpeg');
    assert.equal(r.phoneNumberId, '106540352242922');
    assert.equal(r.sentAt, 1_739_321_300_000);
  });

  test('every Cloud API media type is routed to the media target, in a lane of its own; texts are not', () => {
    for (const kind of ['image', 'audio-voice', 'video', 'document', 'sticker']) {
      const [e] = events('cloud_api', `cloud-api/messages/${kind}.json`);
      assert.deepEqual(routesFor([{ name: 'handler' }, MEDIA], e!).map((r) => r.target), ['handler', 'media'], kind);
      assert.equal(routesFor([MEDIA], e!)[0]!.lane, `default:${e!.key}`);
      assert.doesNotThrow(() => mediaRefOf(e!), kind);
    }
    const [text] = events('cloud_api', 'cloud-api/messages/text.json');
    assert.deepEqual(routesFor([{ name: 'handler' }, MEDIA], text!).map((r) => r.target), ['handler']);
    assert.equal(routesFor([{ name: 'handler' }], text!)[0]!.lane, `default:${text!.contact}`, 'handlers keep the conversation lane');
  });

  test('a WASender image: its key, hashes as hex, length, both download forms, and the original object for the vendor', () => {
    const [e] = events('wasender', 'wasender/messages-upsert-array.json');
    assert.deepEqual(routesFor([MEDIA], e!).map((r) => r.target), ['media'], 'told apart by its media, not its type (messages.upsert)');
    const r = mediaRefOf(e!);
    if (r.provider !== 'wasender') return assert.fail('wasender');
    assert.equal(r.mediaKey.length, 32);
    assert.equal(r.fileEncSha256, Buffer.from('m7n1P8a0fQ7H3b5o5cX4gL8m9j2vW1s4t6y8u0i2o4E=', 'base64').toString('hex'));
    assert.equal(r.fileLength, 48211);
    assert.match(r.url!, /^https:\/\/mmg\.whatsapp\.net\//);
    assert.match(r.directPath!, /^\/o1\//);
    assert.equal(r.original['mimetype'], 'image/jpeg');
    const [, text] = events('wasender', 'wasender/messages-upsert-array.json');
    assert.deepEqual(routesFor([MEDIA], text!), []);
  });

  test('every WASender media message is routed to the media target with its kind, wrapped or not', () => {
    const media = { url: 'https://mmg.whatsapp.net/o1/v/t62/x', directPath: '/o1/v/t62/x', mediaKey: Buffer.alloc(32, 7).toString('base64'), mimetype: 'application/octet-stream', fileLength: '10' };
    const cases: [string, Record<string, unknown>][] = [
      ['image', { imageMessage: media }], ['audio', { audioMessage: { ...media, ptt: true } }], ['video', { videoMessage: media }], ['video', { ptvMessage: media }],
      ['document', { documentMessage: media }], ['sticker', { stickerMessage: media }],
      ['document', { documentWithCaptionMessage: { message: { documentMessage: media } } }], ['image', { ephemeralMessage: { message: { imageMessage: media } } }],
    ];
    for (const [kind, message] of cases) {
      const payload = { event: 'messages.received', timestamp: 1_739_321_300, data: { messages: { key: { id: `3EB0${kind}`, fromMe: false, remoteJid: '16505551234@s.whatsapp.net' }, message, messageTimestamp: 1_739_321_300 } } };
      const [e] = normalize({ ...ref, provider: 'wasender' }, payload).events;
      const label = Object.keys(message)[0]!;
      assert.deepEqual(routesFor([MEDIA], e!).map((r) => r.target), ['media'], label);
      const r = mediaRefOf(e!);
      assert.deepEqual([r.provider, r.kind, r.mimeType], ['wasender', kind, 'application/octet-stream'], label);
    }
  });

  test('a message without a usable reference is refused for good', () => {
    const [e] = events('cloud_api', 'cloud-api/messages/image.json');
    const noId = { ...e!, media: { ...(e!['media'] as object), id: undefined } };
    const badHash = { ...e!, media: { ...(e!['media'] as object), sha256: 'not a hash' } };
    const [w] = events('wasender', 'wasender/messages-upsert-array.json');
    const noKey = { ...w!, media: { ...(w!['media'] as object), mediaKey: 'c2hvcnQ=' } };
    const nowhere = { ...w!, media: { ...(w!['media'] as object), url: undefined, directPath: undefined } };
    for (const bad of [noId, badHash, noKey, nowhere, { ...e!, media: undefined }]) {
      assert.throws(() => mediaRefOf(bad as WahookEvent), (x: unknown) => isGatewayError(x) && x.code === 'WAHOOK_ERR_MEDIA_REFERENCE_INVALID' && !x.retryable);
    }
  });

  test('hashes in hex, base64 and serialised Buffer form read the same', () => {
    const hex = 'cec80ce091a95f2ae94de24fd8a31d16a426501f7d75ccac8cc3437d18ed0e96';
    const bytes = Buffer.from(hex, 'hex');
    assert.equal(sha256Hex(hex.toUpperCase(), 'x'), hex);
    assert.equal(sha256Hex(bytes.toString('base64'), 'x'), hex);
    assert.equal(sha256Hex({ type: 'Buffer', data: [...bytes] }, 'x'), hex);
    assert.equal(sha256Hex(undefined, 'x'), undefined);
    assert.throws(() => sha256Hex('abcd', 'x'));
  });

  test('storage keys are content addresses under the tenant; media events are keyed by message and outcome', () => {
    const sha = 'ab'.repeat(32);
    assert.equal(storageKey('acme', sha), `acme/ab/${sha}`);
    assert.throws(() => storageKey('acme', 'AB'.repeat(32)));
    const [e] = events('cloud_api', 'cloud-api/messages/image.json');
    const ready = mediaEvent(e!, 'image', { state: 'ready', mimeType: 'image/jpeg', bytes: 3, sha256: sha, location: 'file:///m/x', storageKey: `default/ab/${sha}` }, 5);
    assert.equal(ready.key, `cloud_api:media.ready:${e!.messageId}`);
    assert.deepEqual([ready.kind, ready.type, ready.contact, ready.tenant, ready.timestamp, ready['location'], ready['storageKey'], ready['mediaKind']], ['media', 'media.ready', e!.contact, 'default', 5, 'file:///m/x', `default/ab/${sha}`, 'image']);
    const failed = mediaEvent(e!, 'image', { state: 'failed', error: 'WAHOOK_ERR_MEDIA_EXPIRED: old', code: 'WAHOOK_ERR_MEDIA_EXPIRED' }, 6);
    assert.equal(failed.key, `cloud_api:media.failed:${e!.messageId}`);
    assert.equal(failed['code'], 'WAHOOK_ERR_MEDIA_EXPIRED');
    assert.equal(mediaEvent(e!, 'image', { state: 'failed', error: 'x' }, 99).key, failed.key, 'the same outcome, the same key');
  });
});
