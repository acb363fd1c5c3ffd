import { rm } from 'node:fs/promises';
import type { WahookEvent } from '../../core/events.js';
import type { JobTargetSpec } from '../../core/job-routing.js';
import { mediaEvent, mediaRefOf, storageKey, type MediaOutcome, type MediaRef } from '../../core/media/reference.js';
import type { EventStore } from '../../ports/event-store.js';
import type { Job } from '../../ports/job-queue.js';
import type { MediaIndex, MediaItem } from '../../ports/media-index.js';
import type { MediaStorage } from '../../ports/media-storage.js';
import type { JobTarget } from '../jobs.js';
import type { Fetched } from './fetch-context.js';

export interface MediaJobDeps {
  readonly index: MediaIndex;
  readonly storage: MediaStorage;
  readonly events: EventStore;
  /** The targets that hear of `media.ready` and `media.failed`: handlers and forwarding. */
  readonly announceTo: readonly JobTargetSpec[];
  readonly fetch: (ref: MediaRef, e: WahookEvent, signal: AbortSignal) => Promise<Fetched>;
  /** Same as the runner's: the attempt that fails for the last time records `failed` and announces it. */
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly now: () => number;
}

/** The error as a dead letter shows it: its stable code first, when it has one. */
function describe(e: unknown): { message: string; code?: string } {
  const code = (e as { code?: unknown } | null)?.code;
  const stable = typeof code === 'string' && code.startsWith('WAHOOK_ERR_') ? code : undefined;
  const label = stable ?? (e as Error | null)?.name ?? 'Error';
  return { message: e instanceof Error ? `${label}: ${e.message}` : String(e), ...(stable ? { code: stable } : {}) };
}

/**
 * The media job of one message: fetch and verify, publish to storage,
 * record the item, and tell handlers and forwarding (`media.ready`). A
 * failure records the reason and is thrown for the runner to retry; the
 * last attempt, or a failure that cannot succeed, records `failed` and
 * announces `media.failed` before its job is dead-lettered.
 */
export function mediaJob(d: MediaJobDeps): JobTarget {
  const announce = async (source: WahookEvent, kind: string, outcome: MediaOutcome): Promise<void> => {
    await d.events.ingest({ events: [mediaEvent(source, kind, outcome, d.now())], contacts: [], statuses: [], targets: d.announceTo });
  };
  return async (job: Job) => {
    const e = job.event;
    const attempt = job.attempts + 1;
    const media = e['media'] as { kind?: unknown; mimeType?: unknown } | undefined;
    const kind = String(media?.kind ?? 'unknown');
    // Until the download says otherwise, the type the webhook declared (as the item was first recorded with it).
    const declaredMime = typeof media?.mimeType === 'string' ? media.mimeType : null;
    const prior = await d.index.get(e.tenant, e.messageId ?? e.key);
    const item = (over: Partial<MediaItem>): MediaItem => ({
      tenant: e.tenant, provider: e.provider, messageId: e.messageId ?? e.key, kind, state: 'pending',
      mimeType: declaredMime, bytes: null, sha256: null, location: null, error: prior?.error ?? null,
      attempts: attempt, jobSeq: job.seq, createdAt: prior?.createdAt ?? d.now(), updatedAt: d.now(), ...over,
    });
    let staged: string | undefined;
    try {
      const ref = mediaRefOf(e);
      await d.index.record(item({}));
      const fetched = await d.fetch(ref, e, AbortSignal.timeout(d.timeoutMs));
      staged = fetched.file;
      const key = storageKey(e.tenant, fetched.sha256);
      const location = await d.storage.put({ file: fetched.file, key, bytes: fetched.bytes, sha256: fetched.sha256, mimeType: fetched.mimeType });
      const ready = { mimeType: fetched.mimeType, bytes: fetched.bytes, sha256: fetched.sha256, location };
      await d.index.record(item({ state: 'ready', ...ready, error: null }));
      await announce(e, kind, { state: 'ready', ...ready, storageKey: key });
    } catch (err) {
      const { message, code } = describe(err);
      const final = attempt >= d.maxAttempts || (err as { retryable?: unknown } | null)?.retryable === false;
      await d.index.record(item({ state: final ? 'failed' : 'pending', error: message }));
      if (final) await announce(e, kind, { state: 'failed', error: message, ...(code ? { code } : {}) });
      throw err;
    } finally {
      // Published files are gone already; this removes one whose publishing failed.
      if (staged !== undefined) await rm(staged, { force: true });
    }
  };
}
