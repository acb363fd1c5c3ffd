import { createHash } from 'node:crypto';
import type { AppendResult } from '../../ports/delivery-store.js';
import { DELIVERY_MIGRATIONS } from './delivery-migrations.js';
import { openDatabase, type Db } from './open.js';

export const DELIVERIES_FILE = 'deliveries.db';

/** What crosses to the writer: plain data, cheap to clone between threads. */
export interface WireDelivery {
  readonly tenant: string;
  readonly provider: string;
  readonly receivedAt: number;
  readonly body: Uint8Array;
  readonly headers: string;
}

/**
 * The synchronous half of the delivery store: one transaction (one fsync)
 * per batch. It runs in a writer thread under `serve`, so the edge's event
 * loop keeps accepting requests while a commit waits on the disk.
 */
export class DeliveryWriter {
  readonly db: Db;
  private readonly commitTx;

  constructor(dataDir: string, busyTimeoutMs: number) {
    this.db = openDatabase(dataDir, DELIVERIES_FILE, DELIVERY_MIGRATIONS, { busyTimeoutMs });
    const insert = this.db.prepare('INSERT OR IGNORE INTO deliveries (tenant, provider, received_at, digest, headers, body) VALUES (?, ?, ?, ?, ?, ?)');
    const existing = this.db.prepare('SELECT id FROM deliveries WHERE tenant = ? AND provider = ? AND digest = ?').pluck();
    const bump = this.db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value');
    this.commitTx = this.db.transaction((batch: readonly WireDelivery[], rejections: readonly [string, number][]) => {
      const results: AppendResult[] = [];
      let stored = 0;
      for (const d of batch) {
        // Hashing here, in the writer thread, keeps it off the edge's event loop.
        const sha = createHash('sha256').update(d.body).digest();
        const r = insert.run(d.tenant, d.provider, d.receivedAt, sha, d.headers, d.body);
        if (r.changes === 1) {
          stored++;
          results.push({ id: Number(r.lastInsertRowid), duplicate: false });
        } else results.push({ id: existing.get(d.tenant, d.provider, sha) as number, duplicate: true });
      }
      let rejected = 0;
      for (const [code, n] of rejections) {
        bump.run(`rejected.${code}`, n);
        rejected += n;
      }
      if (batch.length + rejected > 0) bump.run('received', batch.length + rejected);
      if (stored > 0) bump.run('stored', stored);
      if (batch.length > stored) bump.run('duplicates', batch.length - stored);
      return results;
    });
  }

  commit(batch: readonly WireDelivery[], rejections: readonly [string, number][]): AppendResult[] {
    return this.commitTx(batch, rejections);
  }

  /**
   * A real write. After a failed batch of `bytes`, it writes and frees that
   * many bytes, so a full disk keeps the gateway unready until a delivery of
   * that size could be stored again.
   */
  probe(bytes: number): void {
    if (bytes > 0) {
      this.db.prepare('INSERT INTO probe (at, pad) VALUES (?, zeroblob(?))').run(Date.now(), bytes);
      this.db.prepare('DELETE FROM probe WHERE pad IS NOT NULL').run();
    }
    this.db.prepare('INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?)').run(Date.now());
  }

  close(): void {
    this.db.close();
  }
}
