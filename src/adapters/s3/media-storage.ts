import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GatewayError } from '../../core/errors.js';
import type { MediaStorage, StagedObject } from '../../ports/media-storage.js';

export interface S3MediaOptions {
  readonly bucket: string;
  /** Key prefix, '' or ending in '/'. */
  readonly prefix: string;
  /** An S3-compatible endpoint (MinIO, …); AWS's own when absent. */
  readonly endpoint?: string;
  readonly region?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key`, which MinIO and most self-hosted stores need. */
  readonly forcePathStyle: boolean;
  /** Otherwise the SDK's default chain (environment, profile, instance role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

const PUT_ATTEMPTS = 3;

const statusOf = (e: unknown): number | undefined => (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;

/**
 * Media in an S3-compatible bucket. Each object is one PutObject from the
 * staged file with its length known, so the upload streams from disk and
 * memory stays flat whatever the size.
 */
export function s3MediaStorage(o: S3MediaOptions): MediaStorage {
  const client = new S3Client({
    ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
    // An endpoint of one's own needs no AWS region, but the SDK wants one to sign with.
    ...(o.region !== undefined ? { region: o.region } : o.endpoint !== undefined ? { region: 'us-east-1' } : {}),
    forcePathStyle: o.forcePathStyle,
    ...(o.credentials ? { credentials: o.credentials } : {}),
    // The SDK's default checksum is a trailer in aws-chunked encoding, which S3-compatible stores
    // (s3rver among them) store verbatim, framing and all. The SHA-256 is sent as a header instead
    // (ChecksumSHA256), which S3 checks and the others ignore.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    // A retry needs a fresh stream from the file, which put() opens itself.
    maxAttempts: 1,
  });
  const keyOf = (key: string): string => `${o.prefix}${key}`;
  const locationOf = (key: string): string => `s3://${o.bucket}/${keyOf(key)}`;
  return {
    root: `s3://${o.bucket}/${o.prefix}`,
    async put(obj: StagedObject): Promise<string> {
      const Key = keyOf(obj.key);
      let lastError: unknown;
      try {
        for (let attempt = 0; attempt < PUT_ATTEMPTS; attempt++) {
          try {
            const head = await client.send(new HeadObjectCommand({ Bucket: o.bucket, Key })).catch((e: unknown) => {
              if (statusOf(e) === 404) return null;
              throw e;
            });
            // Same key, same size: the same content, stored by an earlier job.
            if (head?.ContentLength === obj.bytes) return locationOf(obj.key);
            await client.send(new PutObjectCommand({
              Bucket: o.bucket,
              Key,
              Body: createReadStream(obj.file),
              ContentLength: obj.bytes,
              ContentType: obj.mimeType,
              ChecksumSHA256: Buffer.from(obj.sha256, 'hex').toString('base64'),
              Metadata: { sha256: obj.sha256 },
            }));
            return locationOf(obj.key);
          } catch (e) {
            lastError = e;
            const status = statusOf(e);
            if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) break;
            await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          }
        }
      } finally {
        await rm(obj.file, { force: true });
      }
      throw new GatewayError('WAHOOK_ERR_MEDIA_STORAGE_FAILED', `Uploading media to ${locationOf(obj.key)} failed: ${(lastError as Error).message}`, { cause: lastError });
    },
    async get(key: string): Promise<Readable | null> {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: keyOf(key) }));
        return (r.Body as Readable | undefined) ?? null;
      } catch (e) {
        if (statusOf(e) === 404 || (e as Error).name === 'NoSuchKey') return null;
        throw new GatewayError('WAHOOK_ERR_MEDIA_STORAGE_FAILED', `Reading ${locationOf(key)} failed: ${(e as Error).message}`, { cause: e });
      }
    },
    async delete(key: string): Promise<void> {
      await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: keyOf(key) }));
    },
    async close(): Promise<void> {
      client.destroy();
    },
  };
}
