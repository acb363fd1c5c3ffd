import type { Provider } from '../core/events.js';

export type MediaState = 'pending' | 'ready' | 'failed';

/**
 * One message's media and what became of it. `pending` from the moment the
 * message is stored (its media job queued, `attempts` 0) until the media is
 * stored (`ready`) or given up on (`failed`, its job dead-lettered); between
 * attempts `error` holds the last attempt's reason.
 */
export interface MediaItem {
  readonly tenant: string;
  readonly provider: Provider;
  readonly messageId: string;
  /** image, audio, video, document or sticker. */
  readonly kind: string;
  readonly state: MediaState;
  readonly mimeType: string | null;
  readonly bytes: number | null;
  /** Lowercase hex SHA-256 of the stored (for WASender: decrypted) bytes. */
  readonly sha256: string | null;
  /** Where the object is: `file://…` or `s3://…`. */
  readonly location: string | null;
  readonly error: string | null;
  readonly attempts: number;
  /** The job queue's sequence number of the job that fetches it (to retry its dead letter). */
  readonly jobSeq: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface MediaFilter {
  readonly tenant?: string;
  readonly messageId?: string;
  readonly state?: MediaState;
  readonly limit?: number;
}

export type MediaCounts = Readonly<Record<MediaState, number>>;

/**
 * The state of every media item, written by the media jobs and read by the
 * CLI and the dashboard. An engine records an item as `pending` in the same
 * commit that queues its media job, so a message whose download has not
 * started is listed too.
 */
export interface MediaIndex {
  /** Inserts or replaces the item of (tenant, messageId); `createdAt` stays that of its first record. */
  record(item: MediaItem): Promise<void>;
  get(tenant: string, messageId: string): Promise<MediaItem | null>;
  /** Most recently updated first. @example await index.list({ state: 'failed', limit: 10 }) */
  list(filter: MediaFilter): Promise<MediaItem[]>;
  /** Items per state, over all tenants; cheap enough to poll (not a count over the items). */
  counts(): Promise<MediaCounts>;
  close(): Promise<void>;
}

/** An item as the SQL engines store it: one column per field, in snake case. */
export interface MediaItemRow {
  tenant: string; message_id: string; provider: string; kind: string; state: string; mime_type: string | null; bytes: number | null;
  sha256: string | null; location: string | null; error: string | null; attempts: number; job_seq: number | null; created_at: number; updated_at: number;
}

export const MEDIA_ITEM_COLUMNS = 'tenant, message_id, provider, kind, state, mime_type, bytes, sha256, location, error, attempts, job_seq, created_at, updated_at';

export function mediaItemOf(r: MediaItemRow): MediaItem {
  return {
    tenant: r.tenant, provider: r.provider as Provider, messageId: r.message_id, kind: r.kind, state: r.state as MediaState,
    mimeType: r.mime_type, bytes: r.bytes, sha256: r.sha256, location: r.location, error: r.error, attempts: r.attempts,
    jobSeq: r.job_seq, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
