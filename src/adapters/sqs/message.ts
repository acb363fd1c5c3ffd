import { createHash } from 'node:crypto';
import type { NewDelivery } from '../../core/delivery.js';
import { GatewayError } from '../../core/errors.js';
import type { Provider } from '../../core/events.js';

/**
 * A delivery as one SQS message body: the fields the worker needs and the
 * exact bytes, base64 (SQS bodies are text and allow only some characters).
 * A body too large for a message goes to S3 first and the message carries
 * where it is and its SHA-256 (a claim check).
 */
export interface ClaimCheck {
  readonly bucket: string;
  readonly key: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface QueuedDelivery {
  readonly v: 1;
  readonly tenant: string;
  readonly provider: Provider;
  readonly receivedAt: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly s3?: ClaimCheck;
}

/**
 * SQS's long-standing message limit, which every queue accepts whatever
 * its MaximumMessageSize (newer queues may take more; this keeps one rule
 * for all of them). SendMessageBatch has the same limit for the whole call.
 */
export const MAX_MESSAGE_BYTES = 262_144;

export function messageBody(d: NewDelivery, claim?: ClaimCheck): string {
  const m: QueuedDelivery = {
    v: 1, tenant: d.tenant, provider: d.provider, receivedAt: d.receivedAt, headers: d.headers,
    ...(claim === undefined ? { body: Buffer.from(d.body.buffer, d.body.byteOffset, d.body.byteLength).toString('base64') } : { s3: claim }),
  };
  return JSON.stringify(m);
}

/** The message's size with the body inline, without building it: base64 is 4 bytes per 3. */
export function inlineBytes(d: NewDelivery): number {
  return 4 * Math.ceil(d.body.byteLength / 3) + Buffer.byteLength(JSON.stringify(d.headers)) + d.tenant.length + 128;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const invalid = (why: string): GatewayError => new GatewayError('WAHOOK_ERR_QUEUE_MESSAGE_INVALID', `A queue message is not a wahook delivery: ${why}`);
const isString = (v: unknown): v is string => typeof v === 'string';

/** Parses a message body, checking every field; the body itself is still base64 or a claim check. */
export function parseMessage(text: string): QueuedDelivery {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  const o = m as Record<string, unknown>;
  if (typeof m !== 'object' || m === null || o.v !== 1) throw invalid('no version 1 envelope');
  if (!isString(o.tenant) || (o.provider !== 'cloud_api' && o.provider !== 'wasender') || !Number.isFinite(o.receivedAt)) throw invalid('tenant, provider or receivedAt missing');
  const headers = o.headers as Record<string, unknown> | undefined;
  if (typeof headers !== 'object' || headers === null || !Object.values(headers).every(isString)) throw invalid('headers are not strings');
  if (isString(o.body) === (o.s3 !== undefined)) throw invalid('needs either an inline body or a claim check');
  if (o.s3 !== undefined) {
    const c = o.s3 as Record<string, unknown>;
    if (!isString(c.bucket) || !isString(c.key) || !isString(c.sha256) || !Number.isSafeInteger(c.bytes)) throw invalid('claim check incomplete');
  }
  return o as unknown as QueuedDelivery;
}
