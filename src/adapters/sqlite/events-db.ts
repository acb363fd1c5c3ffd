import { EVENT_MIGRATIONS } from './event-migrations.js';
import { openDatabase, type Db } from './open.js';

export const EVENTS_FILE = 'events.db';

/**
 * events.db is written only by the worker (and replay), never by the edge,
 * so draining a backlog never holds the lock the edge commits under. Events
 * are derived from durable deliveries and the checkpoint commits with them,
 * so losing the last commits to a power cut only means processing those
 * deliveries again: no fsync per batch is needed.
 */
export function openEventsDb(dataDir: string, busyTimeoutMs = 5000): Db {
  return openDatabase(dataDir, EVENTS_FILE, EVENT_MIGRATIONS, { busyTimeoutMs, synchronous: 'NORMAL' });
}
