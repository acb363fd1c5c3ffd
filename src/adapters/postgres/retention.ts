import { START } from '../../ports/delivery-log.js';
import type { Retention, RetentionKind } from '../../ports/retention.js';
import { parseCheckpoint } from './delivery-log.js';
import type { Pg } from './pool.js';

/**
 * Retention in PostgreSQL: each call is one DELETE of at most `limit` rows,
 * its own short transaction. Rows are picked with FOR UPDATE SKIP LOCKED, so
 * workers pruning at once never wait on each other, and a row another
 * transaction holds (a job being queued for an event) is left for later.
 */
export class PostgresRetention implements Retention {
  constructor(private readonly pg: Pg) {}

  async prune(kind: RetentionKind, beforeMs: number, limit: number): Promise<number> {
    const t = (name: string): string => this.pg.t(name);
    if (kind === 'deliveries') {
      // The checkpoint only moves forward, so what is at or before it now stays taken.
      const at = await this.pg.pool.query(`SELECT position FROM ${t('checkpoint')} WHERE id = 1`);
      const position = (at.rows[0]?.position as string | undefined) ?? START;
      if (position === START) return 0;
      const [tx, id] = parseCheckpoint(position);
      const r = await this.pg.pool.query(
        `DELETE FROM ${t('deliveries')} WHERE id IN (
           SELECT id FROM ${t('deliveries')} WHERE received_at < $1 AND (tx, id) <= ($2::xid8, $3::bigint) ORDER BY received_at LIMIT $4 FOR UPDATE SKIP LOCKED)`,
        [beforeMs, tx, id, limit],
      );
      return r.rowCount ?? 0;
    }
    if (kind === 'events') {
      const r = await this.pg.pool.query(
        `DELETE FROM ${t('events')} WHERE seq IN (
           SELECT seq FROM ${t('events')} e WHERE ts < $1 AND NOT EXISTS (SELECT 1 FROM ${t('jobs')} j WHERE j.seq = e.seq)
           ORDER BY ts LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [beforeMs, limit],
      );
      return r.rowCount ?? 0;
    }
    const r = await this.pg.pool.query(
      `DELETE FROM ${t('minutes')} WHERE minute IN (SELECT minute FROM ${t('minutes')} WHERE minute < $1 ORDER BY minute LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [beforeMs, limit],
    );
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pg.release();
  }
}
