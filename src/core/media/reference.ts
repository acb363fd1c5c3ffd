import { GatewayError } from '../errors.js';
import type { Provider, WahookEvent } from '../events.js';
import { asId, asRecord, asString, toNumber, type Rec } from '../normalize/util.js';

export const MEDIA_KINDS = ['image', 'audio', 'video', 'document', 'sticker'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** A Cloud API media message: an id to resolve through the Graph API. */
export interface CloudMediaRef {
  readonly provider: 'cloud_api';
  readonly kind: MediaKind;
  readonly mediaId: string;
  /** Lowercase hex of the webhook's hash, when it carried one. */
  readonly sha256?: string;
  readonly mimeType?: string;
  readonly phoneNumberId?: string;
  /** When the message was sent (ms): a media id can be downloaded for 7 days from then. */
  readonly sentAt: number;
}

/** A WASender media message: WhatsApp's encrypted file on its CDN, and the key to open it. */
export interface WasenderMediaRef {
  readonly provider: 'wasender';
  readonly kind: MediaKind;
  readonly url?: string;
  readonly directPath?: string;
  readonly mediaKey: Buffer;
  /** Lowercase hex of the plaintext's hash. */
  readonly fileSha256?: string;
  /** Lowercase hex of the whole encrypted download's hash. */
  readonly fileEncSha256?: string;
  readonly fileLength?: number;
  readonly mimeType?: string;
  /** The media object in the shape WhatsApp sends it, for the vendor's decrypt endpoint. */
  readonly original: Rec;
}

export type MediaRef = CloudMediaRef | WasenderMediaRef;

const isKind = (v: unknown): v is MediaKind => typeof v === 'string' && (MEDIA_KINDS as readonly string[]).includes(v);

function invalid(why: string): GatewayError {
  return new GatewayError('WAHOOK_ERR_MEDIA_REFERENCE_INVALID', `The media message cannot be fetched: ${why}`);
}

/** Bytes given as base64 (what WASender sends), or as a serialised Node Buffer (`{type:'Buffer', data:[…]}`). */
function bytesOf(v: unknown): Buffer | undefined {
  if (typeof v === 'string' && /^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) return Buffer.from(v, 'base64');
  const r = asRecord(v);
  if (r && r['type'] === 'Buffer' && Array.isArray(r['data']) && r['data'].every((b) => Number.isInteger(b) && b >= 0 && b < 256)) return Buffer.from(r['data'] as number[]);
  return undefined;
}

/**
 * A SHA-256 as lowercase hex, from hex (the Graph API's form) or base64 (the
 * webhooks' form); undefined when absent.
 *
 * @example sha256Hex('zsgM4JGpXyrpTeJP2KMdFqQmUBB9dc7VHKyyMkN9GO0=') // 'cec80ce0…'
 */
export function sha256Hex(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string' && /^[0-9a-fA-F]{64}$/.test(v)) return v.toLowerCase();
  const bytes = bytesOf(v);
  if (bytes?.length === 32) return bytes.toString('hex');
  throw invalid(`${field} is not a SHA-256 in hex or base64`);
}

/**
 * What the media pipeline needs from a message event: the provider's media
 * reference, checked. Throws WAHOOK_ERR_MEDIA_REFERENCE_INVALID (not
 * retried) when the message names no media it could fetch.
 *
 * @example mediaRefOf(cloudImageEvent) // { provider: 'cloud_api', kind: 'image', mediaId: '1003383421387256', sha256: 'cec8…', … }
 */
export function mediaRefOf(e: WahookEvent): MediaRef {
  const media = asRecord(e['media']);
  if (!media) throw invalid('the event has no media');
  const kind = media['kind'];
  if (!isKind(kind)) throw invalid(`unknown media kind ${JSON.stringify(kind)}`);
  const mimeType = asString(media['mimeType']);
  if (e.provider === 'cloud_api') {
    const mediaId = asId(media['id']);
    if (!mediaId) throw invalid('no media id');
    const sha256 = sha256Hex(media['sha256'], 'sha256');
    const phoneNumberId = asId(e['phoneNumberId']);
    return { provider: 'cloud_api', kind, mediaId, sentAt: e.timestamp, ...(sha256 ? { sha256 } : {}), ...(mimeType ? { mimeType } : {}), ...(phoneNumberId ? { phoneNumberId } : {}) };
  }
  const mediaKey = bytesOf(media['mediaKey']);
  if (mediaKey?.length !== 32) throw invalid('no 32-byte mediaKey');
  const url = asString(media['url']);
  const directPath = asString(media['directPath']);
  if (!url && !directPath) throw invalid('neither url nor directPath');
  const fileSha256 = sha256Hex(media['fileSha256'], 'fileSha256');
  const fileEncSha256 = sha256Hex(media['fileEncSha256'], 'fileEncSha256');
  const fileLength = toNumber(media['fileLength']);
  const original: Rec = {};
  for (const [from, to] of [['url', 'url'], ['mimeType', 'mimetype'], ['mediaKey', 'mediaKey'], ['fileSha256', 'fileSha256'], ['fileEncSha256', 'fileEncSha256'], ['fileLength', 'fileLength'], ['directPath', 'directPath']] as const) {
    if (media[from] !== undefined) original[to] = media[from];
  }
  return {
    provider: 'wasender', kind, mediaKey, original,
    ...(url ? { url } : {}), ...(directPath ? { directPath } : {}), ...(mimeType ? { mimeType } : {}),
    ...(fileSha256 ? { fileSha256 } : {}), ...(fileEncSha256 ? { fileEncSha256 } : {}),
    ...(fileLength !== undefined && Number.isSafeInteger(fileLength) && fileLength >= 0 ? { fileLength } : {}),
  };
}

/**
 * Content-addressed, per tenant: the same bytes sent twice are stored once,
 * and one tenant's media never shares an object with another's.
 *
 * @example storageKey('default', 'ab12…') // 'default/ab/ab12…'
 */
export function storageKey(tenant: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new GatewayError('WAHOOK_ERR_INTERNAL', 'a storage key needs a lowercase hex SHA-256');
  return `${tenant}/${sha256.slice(0, 2)}/${sha256}`;
}

export type MediaOutcome =
  | { readonly state: 'ready'; readonly mimeType: string; readonly bytes: number; readonly sha256: string; readonly location: string; readonly storageKey: string }
  | { readonly state: 'failed'; readonly error: string; readonly code?: string };

/**
 * The `media.ready` or `media.failed` event for a message, for handlers and
 * forwarding. Its key is derived from the message and the outcome alone, so
 * a job that runs twice announces once.
 *
 * @example mediaEvent(imageMessage, 'image', { state: 'ready', … }, Date.now()).key // 'cloud_api:media.ready:wamid.1'
 */
export function mediaEvent(source: WahookEvent, kind: string, outcome: MediaOutcome, now: number): WahookEvent {
  const provider: Provider = source.provider;
  const type = `media.${outcome.state}`;
  const e: WahookEvent = {
    key: `${provider}:${type}:${source.messageId ?? source.key}`,
    provider,
    kind: 'media',
    type,
    ...(source.messageId !== undefined ? { messageId: source.messageId } : {}),
    ...(source.contact !== undefined ? { contact: source.contact } : {}),
    timestamp: now,
    tenant: source.tenant,
    deliveryId: source.deliveryId,
    mediaKind: kind,
  };
  const { state: _state, ...facts } = outcome;
  return Object.assign(e, facts);
}
