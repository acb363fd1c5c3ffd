import { MEDIA_ITEM_COLUMNS as COLUMNS, mediaItemOf as itemOf, type MediaCounts, type MediaFilter, type MediaIndex, type MediaItem, type MediaItemRow as Row, type MediaState } from '../../ports/media-index.js';
import type { Pg } from './pool.js';

/** The media table in PostgreSQL, beside the jobs that fill it (a trigger adds an item as its media job is queued). */
export class PostgresMediaIndex implements MediaIndex {
  constructor(private readonly pg: Pg) {}

  async record(m: MediaItem): Promise<void> {
    await this.pg.pool.query(
      `INSERT INTO ${this.pg.t('media')} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (tenant, message_id) DO UPDATE SET provider = excluded.provider, kind = excluded.kind, state = excluded.state,
         mime_type = excluded.mime_type, bytes = excluded.bytes, sha256 = excluded.sha256, location = excluded.location, error = excluded.error,
         attempts = excluded.attempts, job_seq = excluded.job_seq, updated_at = excluded.updated_at`,
      [m.tenant, m.messageId, m.provider, m.kind, m.state, m.mimeType, m.bytes, m.sha256, m.location, m.error, m.attempts, m.jobSeq, m.createdAt, m.updatedAt],
    );
  }

  async get(tenant: string, messageId: string): Promise<MediaItem | null> {
    const r = await this.pg.pool.query(`SELECT ${COLUMNS} FROM ${this.pg.t('media')} WHERE tenant = $1 AND message_id = $2`, [tenant, messageId]);
    return r.rows[0] ? itemOf(r.rows[0] as Row) : null;
  }

  async list(f: MediaFilter): Promise<MediaItem[]> {
    const args: unknown[] = [];
    const conditions: string[] = [];
    for (const [column, value] of [['tenant', f.tenant], ['message_id', f.messageId], ['state', f.state]] as const) {
      if (value === undefined) continue;
      args.push(value);
      conditions.push(`${column} = $${args.length}`);
    }
    args.push(f.limit ?? 1000);
    const w = conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
    const r = await this.pg.pool.query(`SELECT ${COLUMNS} FROM ${this.pg.t('media')}${w} ORDER BY updated_at DESC, message_id LIMIT $${args.length}`, args);
    return (r.rows as Row[]).map(itemOf);
  }

  async counts(): Promise<MediaCounts> {
    const counts: Record<MediaState, number> = { pending: 0, ready: 0, failed: 0 };
    const r = await this.pg.pool.query(`SELECT state, n FROM ${this.pg.t('media_counts')}`);
    for (const row of r.rows as { state: string; n: number }[]) {
      if (row.state in counts) counts[row.state as MediaState] = row.n;
    }
    return counts;
  }

  async close(): Promise<void> {
    await this.pg.release();
  }
}
