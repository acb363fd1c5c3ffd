import { createHash } from 'node:crypto';
import type { AppendResult } from '../../ports/delivery-store.js';
import { DELIVERY_MIGRATIONS } from './delivery-migrations.js';
import { DedupeIndex, digested, type Digested } from './dedupe-index.js';
import { openDatabase, type Db } from './open.js';
import { packResults, unpackBatch, type PackedBatch, type WireDelivery } from './delivery-wire.js';

export type { WireDelivery } from './delivery-wire.js';

export const DELIVERIES_FILE = 'deliveries.db';

export type WriterRequest =
  | ({ t: 'commit'; rejections: [string, number][] } & PackedBatch)
  | { t: 'probe'; bytes: number }
  | { t: 'exec'; sql: string }
  | { t: 'close' };

/**
 * The synchronous half of the delivery store: one transaction (one fsync)
 * per batch. It runs in a writer thread under `serve`, so the edge's event
 * loop keeps accepting requests while a commit waits on the disk.
 */
export class DeliveryWriter {
  readonly db: Db;
  private readonly dedupe: DedupeIndex;
  private readonly insert;
  private readonly bump;
  private readonly insertTx;

  /** `externalCheckpoints`: another thread checkpoints, so commits never stop to copy the WAL back. */
  constructor(dataDir: string, busyTimeoutMs: number, externalCheckpoints = false) {
    this.db = openDatabase(dataDir, DELIVERIES_FILE, DELIVERY_MIGRATIONS, { busyTimeoutMs });
    if (externalCheckpoints) this.db.pragma('wal_autocheckpoint = 0');
    this.dedupe = new DedupeIndex(dataDir, this.db);
    this.insert = this.db.prepare('INSERT INTO deliveries (tenant, provider, received_at, digest, headers, body) VALUES (?, ?, ?, ?, ?, ?)');
    this.bump = this.db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value');
    this.insertTx = this.db.transaction((fresh: readonly { d: WireDelivery; dd: Digested }[], total: number, rejections: readonly [string, number][]) => {
      const ids = fresh.map(({ d, dd }) => Number(this.insert.run(d.tenant, d.provider, d.receivedAt, dd.digest, d.headers, d.body).lastInsertRowid));
      let rejected = 0;
      for (const [code, n] of rejections) {
        this.bump.run(`rejected.${code}`, n);
        rejected += n;
      }
      if (total + rejected > 0) this.bump.run('received', total + rejected);
      if (fresh.length > 0) this.bump.run('stored', fresh.length);
      if (total > fresh.length) this.bump.run('duplicates', total - fresh.length);
      return ids;
    });
  }

  /** One synced commit for the batch; exact re-deliveries (also within the batch) are answered with the stored id. */
  commit(batch: readonly WireDelivery[], rejections: readonly [string, number][]): AppendResult[] {
    const fresh: { d: WireDelivery; dd: Digested }[] = [];
    // Per delivery: an existing id (duplicate), or the index into `fresh` it will be stored under.
    const plan: ({ existing: number } | { fresh: number })[] = [];
    const inBatch = new Map<string, number>();
    for (const d of batch) {
      // Hashing here, in the writer thread, keeps it off the edge's event loop.
      const digest = createHash('sha256').update(d.body).digest();
      const key = `${d.tenant}\u0000${d.provider}\u0000${digest.toString('base64')}`;
      const earlier = inBatch.get(key);
      if (earlier !== undefined) { plan.push({ fresh: earlier }); continue; }
      const dd = digested(d.tenant, d.provider, digest);
      const existing = this.dedupe.lookup(dd);
      if (existing !== undefined) { plan.push({ existing }); continue; }
      inBatch.set(key, fresh.length);
      plan.push({ fresh: fresh.length });
      fresh.push({ d, dd });
    }
    const ids = this.insertTx(fresh, batch.length, rejections);
    this.dedupe.record(fresh.map(({ dd }, i) => ({ key: dd.key, id: ids[i]! })));
    const claimed = new Set<number>();
    return plan.map((p) => {
      if ('existing' in p) return { id: p.existing, duplicate: true };
      const duplicate = claimed.has(p.fresh);
      claimed.add(p.fresh);
      return { id: ids[p.fresh]!, duplicate };
    });
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

  /** One SQL statement on the writer's connection (operations and tests, e.g. a checkpoint). */
  exec(sql: string): unknown {
    const st = this.db.prepare(sql);
    return st.reader ? st.all() : st.run().changes;
  }

  /** The writer's calls as messages: the same dispatch whether it runs inline or in its own thread. */
  handle(m: WriterRequest): unknown {
    switch (m.t) {
      case 'commit':
        return packResults(this.commit(unpackBatch(m), m.rejections));
      case 'probe':
        return this.probe(m.bytes);
      case 'exec':
        return this.exec(m.sql);
      case 'close':
        return this.close();
    }
  }

  close(): void {
    this.dedupe.close();
    this.db.close();
  }
}
