import type { S3Client } from '@aws-sdk/client-s3';
import type { NewDelivery } from '../../core/delivery.js';
import { GatewayError } from '../../core/errors.js';
import { sha256Hex, type ClaimCheck } from './message.js';

const failed = (what: string, cause?: unknown): GatewayError =>
  new GatewayError('WAHOOK_ERR_CLAIM_CHECK_FAILED', `Large delivery: ${what}`, cause === undefined ? undefined : { cause });

/**
 * Where bodies too large for a queue message go. The S3 client is loaded
 * only when a large delivery arrives, so it costs a cold start nothing. The key is the body's
 * digest under its tenant and day, so storing the same delivery twice
 * writes the same object; the bucket's lifecycle rule expires them.
 */
export class LargeDeliveries {
  constructor(private readonly s3: () => Promise<S3Client>, private readonly bucket: string) {}

  async put(d: NewDelivery): Promise<ClaimCheck> {
    const sha256 = sha256Hex(d.body);
    const day = new Date(d.receivedAt).toISOString().slice(0, 10);
    const key = `deliveries/${encodeURIComponent(d.tenant)}/${day}/${sha256}`;
    try {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      await (await this.s3()).send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: d.body, ContentType: 'application/json' }));
    } catch (e) {
      throw failed(`could not store s3://${this.bucket}/${key}`, e);
    }
    return { bucket: this.bucket, key, sha256, bytes: d.body.byteLength };
  }
}

/** Reads a claim-checked body back and checks it is the one the edge verified. */
export async function fetchClaimed(s3: () => Promise<S3Client>, c: ClaimCheck): Promise<Buffer> {
  let bytes: Uint8Array;
  try {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const o = await (await s3()).send(new GetObjectCommand({ Bucket: c.bucket, Key: c.key }));
    bytes = await o.Body!.transformToByteArray();
  } catch (e) {
    throw failed(`could not read s3://${c.bucket}/${c.key}`, e);
  }
  if (bytes.byteLength !== c.bytes || sha256Hex(bytes) !== c.sha256) throw failed(`s3://${c.bucket}/${c.key} does not match its digest`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
