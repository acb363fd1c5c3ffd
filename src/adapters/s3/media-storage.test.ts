import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mediaStorageContract } from '../../../test/contracts/media-storage.contract.js';
import { S3_CREDENTIALS, startLocalS3, type LocalS3 } from '../../../test/helpers/s3.js';
import { s3MediaStorage } from './media-storage.js';

let s3: LocalS3;
before(async () => { s3 = await startLocalS3(['media']); });
after(async () => { await s3.close(); });

let round = 0;
mediaStorageContract('s3, against s3rver', async () => {
  // A prefix per test keeps their objects apart in the one bucket.
  const prefix = `run${round++}/`;
  const storage = s3MediaStorage({ bucket: 'media', prefix, endpoint: s3.endpoint, forcePathStyle: true, credentials: S3_CREDENTIALS });
  return {
    storage,
    locationOf: (key) => `s3://media/${prefix}${key}`,
    dispose: () => storage.close(),
  };
});

test('s3 media: the object carries its type and hash, and a missing bucket is a retryable storage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-staged-'));
  const storage = s3MediaStorage({ bucket: 'media', prefix: 'meta/', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3_CREDENTIALS });
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
  try {
    const body = randomBytes(2048);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const file = join(dir, 'x.part');
    writeFileSync(file, body);
    await storage.put({ file, key: `default/${sha256.slice(0, 2)}/${sha256}`, bytes: body.length, sha256, mimeType: 'audio/ogg' });
    const got = await client.send(new GetObjectCommand({ Bucket: 'media', Key: `meta/default/${sha256.slice(0, 2)}/${sha256}` }));
    assert.equal(got.ContentType, 'audio/ogg');
    assert.equal(got.Metadata?.sha256, sha256);
    assert.equal(got.ContentLength, body.length, 'stored as sent, without chunk framing');
    const missing = s3MediaStorage({ bucket: 'no-such-bucket', prefix: '', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3_CREDENTIALS });
    writeFileSync(file, body);
    await assert.rejects(missing.put({ file, key: `default/${sha256.slice(0, 2)}/${sha256}`, bytes: body.length, sha256, mimeType: 'audio/ogg' }), (e: { code?: string; retryable?: boolean }) => e.code === 'WAHOOK_ERR_MEDIA_STORAGE_FAILED' && e.retryable === true);
    await missing.close();
  } finally {
    client.destroy();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
