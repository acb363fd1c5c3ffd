import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createLogger } from '../../src/entry/logger.js';
import { runWorker } from '../../src/entry/run-worker.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { tempDir } from '../helpers/gateway.js';
import { imageMessage, mediaItems, wasenderMediaDelivery } from '../helpers/media.js';
import { cloudEnvelope, messagesChange, seedDeliveries, until, workerConfig } from '../helpers/pipeline.js';
import { S3_CREDENTIALS, startLocalS3, type LocalS3 } from '../helpers/s3.js';
import { encryptWhatsAppMedia, wasenderMediaObject } from '../helpers/whatsapp-media.js';

const logger = createLogger('silent');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const nowSec = (): number => Math.floor(Date.now() / 1000);

let graph: FakeGraph;
let s3: LocalS3;
before(async () => {
  graph = await startFakeGraph();
  s3 = await startLocalS3(['wa-media']);
  // The AWS SDK reads its credentials from the environment, as it would on a server; this test process is the worker's.
  process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey;
});
after(async () => {
  await graph.close();
  await s3.close();
});

test('WAHOOK_MEDIA_URL=s3://…: Cloud API media lands in an S3-compatible store, path-style, under its prefix', async () => {
  const dir = tempDir();
  const env = {
    WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'x', WAHOOK_ACCESS_TOKEN: graph.token, WAHOOK_GRAPH_URL: graph.url, WAHOOK_MEDIA_HOSTS: graph.hostPort,
    WAHOOK_MEDIA_URL: 's3://wa-media/inbound', AWS_ENDPOINT_URL_S3: s3.endpoint, WAHOOK_S3_FORCE_PATH_STYLE: 'true', WAHOOK_WORKER_POLL_MS: '5',
  };
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
  try {
    const body = randomBytes(1024 * 1024 + 3);
    graph.media.set('s3m', { body, mimeType: 'video/mp4' });
    await seedDeliveries(dir, [cloudEnvelope([messagesChange({ messages: [{ ...imageMessage('wamid.s3', '777', nowSec(), 's3m', body), type: 'video', video: { id: 's3m', mime_type: 'video/mp4' } }] })])]);
    // Media is on without WAHOOK_MEDIA: a token and a media URL say so (`auto`).
    const worker = await runWorker(workerConfig(dir, {}, env), logger);
    try {
      await until(async () => (await mediaItems(env))[0]?.state === 'ready', 20_000, 'the video to be stored');
    } finally {
      await worker.stop();
    }
    const [m] = await mediaItems(env);
    const key = `inbound/default/${sha(body).slice(0, 2)}/${sha(body)}`;
    assert.deepEqual([m!.kind, m!.location, m!.mimeType, m!.bytes], ['video', `s3://wa-media/${key}`, 'video/mp4', body.length]);
    const got = await client.send(new GetObjectCommand({ Bucket: 'wa-media', Key: key }));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
    assert.equal(got.ContentType, 'video/mp4');
  } finally {
    client.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WASender media: downloaded from the CDN, checked three ways, stored decrypted; altered bytes are refused', async () => {
  const dir = tempDir();
  const env = { WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'x', WAHOOK_MEDIA: 'on', WAHOOK_MEDIA_HOSTS: graph.hostPort, WAHOOK_WHATSAPP_CDN_URL: `${graph.url}/cdn`, WAHOOK_MEDIA_MAX_ATTEMPTS: '1', WAHOOK_WORKER_POLL_MS: '5' };
  try {
    const key = randomBytes(32);
    const voice = randomBytes(33_333);
    const doc = randomBytes(8_000);
    const v = encryptWhatsAppMedia(voice, 'audio', key);
    const d = encryptWhatsAppMedia(doc, 'document', key);
    graph.files.set('o1/voice.enc', v.enc);
    const altered = Buffer.from(d.enc);
    altered[5] = altered[5]! ^ 1;
    graph.files.set('o1/doc.enc', altered);
    await seedDeliveries(dir, [
      wasenderMediaDelivery('3EB0VOICE', '15550100001', nowSec(), 'audio', { ...wasenderMediaObject(v, voice.length, { directPath: '/o1/voice.enc?ccb=9-4' }, 'audio/ogg; codecs=opus'), ptt: true }),
      wasenderMediaDelivery('3EB0DOC', '15550100002', nowSec(), 'document', { ...wasenderMediaObject(d, doc.length, { url: `${graph.url}/cdn/o1/doc.enc` }, 'application/pdf'), fileName: 'invoice.pdf' }),
    ], 'wasender');
    const worker = await runWorker(workerConfig(dir, {}, env), logger);
    try {
      await until(async () => { const items = await mediaItems(env); return items.length === 2 && items.every((m) => m.state !== 'pending'); }, 20_000, 'both items to settle');
    } finally {
      await worker.stop();
    }
    const items = new Map((await mediaItems(env)).map((m) => [m.messageId, m]));
    const ok = items.get('3EB0VOICE')!;
    assert.deepEqual([ok.provider, ok.kind, ok.state, ok.sha256, ok.bytes, ok.mimeType], ['wasender', 'audio', 'ready', sha(voice), voice.length, 'audio/ogg; codecs=opus']);
    assert.deepEqual(readFileSync(fileURLToPath(ok.location!)), voice, 'the plaintext is stored, not the encrypted file');
    const bad = items.get('3EB0DOC')!;
    assert.equal(bad.state, 'failed');
    assert.match(bad.error!, /^WAHOOK_ERR_MEDIA_INTEGRITY: .*fileEncSha256/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
