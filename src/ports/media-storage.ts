import type { Readable } from 'node:stream';

/** A verified file ready to publish: where it is staged on local disk, and what it is. */
export interface StagedObject {
  /** A private temporary file; `put` consumes it (moves or uploads it, then it is gone). */
  readonly file: string;
  /** Content-addressed (see core's storageKey): the same key always names the same bytes. */
  readonly key: string;
  readonly bytes: number;
  /** Lowercase hex SHA-256 of the file. */
  readonly sha256: string;
  readonly mimeType: string;
}

/**
 * Object storage for media: the filesystem or an S3-compatible store.
 * Files arrive fully written and verified, so a store never holds a partial
 * or unverified object under a key: `put` publishes in one step (a rename,
 * one PutObject). Keys are content-addressed, so putting a key again is
 * harmless and leaves one object.
 */
export interface MediaStorage {
  /** `file://…` or `s3://bucket/prefix`. */
  readonly root: string;
  /** @example await storage.put({ file, key: 'default/ab/ab12…', bytes, sha256, mimeType }) // 's3://media/wa/default/ab/ab12…' */
  put(object: StagedObject): Promise<string>;
  /** The stored bytes, streamed; null when there is no object under the key. */
  get(key: string): Promise<Readable | null>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
