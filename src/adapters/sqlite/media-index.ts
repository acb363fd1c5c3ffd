import { MEDIA_ITEM_COLUMNS as COLUMNS, mediaItemOf as itemOf, type MediaCounts, type MediaFilter, type MediaIndex, type MediaItem, type MediaItemRow as Row, type MediaState } from '../../ports/media-index.js';
import type { Db } from './open.js';
import { where } from './where.js';

/** The media table of events.db, beside the jobs that fill it (a trigger adds an item as its media job is queued). */
export class SqliteMediaIndex implements MediaIndex {
  private readonly st;

  constructor(private readonly db: Db, private readonly ownsDb = false) {
    this.st = {
      record: db.prepare(`INSERT INTO media (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (tenant, message_id) DO UPDATE SET provider = excluded.provider, kind = excluded.kind, state = excluded.state,
          mime_type = excluded.mime_type, bytes = excluded.bytes, sha256 = excluded.sha256, location = excluded.location, error = excluded.error,
          attempts = excluded.attempts, job_seq = excluded.job_seq, updated_at = excluded.updated_at`),
      get: db.prepare(`SELECT ${COLUMNS} FROM media WHERE tenant = ? AND message_id = ?`),
      counts: db.prepare('SELECT state, n FROM media_counts'),
    };
  }

  async record(m: MediaItem): Promise<void> {
    this.st.record.run(m.tenant, m.messageId, m.provider, m.kind, m.state, m.mimeType, m.bytes, m.sha256, m.location, m.error, m.attempts, m.jobSeq, m.createdAt, m.updatedAt);
  }

  async get(tenant: string, messageId: string): Promise<MediaItem | null> {
    const r = this.st.get.get(tenant, messageId) as Row | undefined;
    return r ? itemOf(r) : null;
  }

  async list(f: MediaFilter): Promise<MediaItem[]> {
    const w = where([['tenant = ?', f.tenant], ['message_id = ?', f.messageId], ['state = ?', f.state]]);
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM media${w.sql} ORDER BY updated_at DESC, message_id LIMIT ?`).all(...w.args, f.limit ?? 1000) as Row[];
    return rows.map(itemOf);
  }

  async counts(): Promise<MediaCounts> {
    const counts: Record<MediaState, number> = { pending: 0, ready: 0, failed: 0 };
    for (const r of this.st.counts.all() as { state: string; n: number }[]) {
      if (r.state in counts) counts[r.state as MediaState] = r.n;
    }
    return counts;
  }

  async close(): Promise<void> {
    if (this.ownsDb) this.db.close();
  }
}
