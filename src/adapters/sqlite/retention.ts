import type { Retention, RetentionKind } from '../../ports/retention.js';
import { positionOf } from './delivery-log.js';
import { DELIVERY_MIGRATIONS } from './delivery-migrations.js';
import { DELIVERIES_FILE } from './delivery-writer.js';
import { openEventsDb } from './events-db.js';
import { openDatabase, type Db } from './open.js';
import { openTelemetryDb } from './telemetry-store.js';

/**
 * Retention over the three files. Each call is one short write transaction
 * on one file: the edge's commits to deliveries.db wait at most for one
 * batch's delete. Freed pages are reused by later rows; the files do not shrink.
 */
export class SqliteRetention implements Retention {
  private readonly deliveries: Db;
  private readonly events: Db;
  private readonly telemetry: Db;

  constructor(dataDir: string) {
    this.deliveries = openDatabase(dataDir, DELIVERIES_FILE, DELIVERY_MIGRATIONS, { busyTimeoutMs: 5000 });
    this.events = openEventsDb(dataDir);
    this.telemetry = openTelemetryDb(dataDir);
  }

  async prune(kind: RetentionKind, beforeMs: number, limit: number): Promise<number> {
    if (kind === 'deliveries') {
      const checkpoint = this.events.prepare('SELECT position FROM checkpoint WHERE id = 1').pluck().get() as string | undefined;
      const taken = positionOf(checkpoint ?? '');
      // From the head of the log, which is its oldest part: deliveries.db has no index on received_at
      // (it would cost every commit a page), and a scan from the head stops after `limit` rows.
      return this.deliveries
        .prepare('DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE id <= ? ORDER BY id LIMIT ?) AND received_at < ?')
        .run(taken, limit, beforeMs).changes;
    }
    if (kind === 'events') {
      return this.events
        .prepare('DELETE FROM events WHERE seq IN (SELECT seq FROM events e WHERE ts < ? AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.seq = e.seq) ORDER BY ts LIMIT ?)')
        .run(beforeMs, limit).changes;
    }
    return this.telemetry.prepare('DELETE FROM minutes WHERE minute IN (SELECT minute FROM minutes WHERE minute < ? ORDER BY minute LIMIT ?)').run(beforeMs, limit).changes;
  }

  async close(): Promise<void> {
    this.deliveries.close();
    this.events.close();
    this.telemetry.close();
  }
}
