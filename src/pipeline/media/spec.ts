import type { JobTargetSpec } from '../../core/job-routing.js';

/** Also named by events.db's trigger that lists an item as its job is queued (adapters/sqlite/event-migrations.ts). */
export const MEDIA_TARGET = 'media';

/**
 * Media jobs: one per message that carries media (Cloud API and WASender
 * alike), each in a lane of its own, so one slow or retrying download never
 * holds another.
 */
export const MEDIA_TARGET_SPEC: JobTargetSpec = { name: MEDIA_TARGET, kinds: ['message'], has: 'media', lane: 'event' };
