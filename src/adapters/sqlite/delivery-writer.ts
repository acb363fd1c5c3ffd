import { createHash } from 'node:crypto';
import { oneShotHash } from '../../core/one-shot-hash.js';
import type { AppendResult } from '../../ports/delivery-log.js';
import { DELIVERY_MIGRATIONS } from './delivery-migrations.js';
import { DedupeIndex, digested, INDEX_TICK_MS, type DigestKey, type Digested } from './dedupe-index.js';
import { openDatabase, type Db } from './open.js';
import { unpackBatch, type PackedBatch, type WireDelivery } from './delivery-wire.js';

export type { WireDelivery } from './delivery-wire.js';

export const DELIVERIES_FILE = 'deliveries.db';

/** SQLite's default: a checkpoint copies about 4 MB back into the database file. */
export const WAL_CHECKPOINT_PAGES = 1000;
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

// As a latin1 ('binary') string, copied into pooled Buffer memory, the one-shot hash is cheaper than a Buffer
// result, which is a fresh ArrayBuffer each time (`npm run bench:parts` compares the two).
const hash = oneShotHash;
const sha256: (b: Uint8Array) => Buffer = hash !== undefined
  ? (b) => Buffer.from(hash('sha256', b, 'binary'), 'latin1')
  : (b) => createHash('sha256').update(b).digest();

function sameDelivery(a: Digested, b: Digested): boolean {
  return a.tenant === b.tenant && a.provider === b.provider && Buffer.compare(a.digest, b.digest) === 0;
}

/** A delivery to store, with the position in its batch where it first appeared. */
interface Fresh {
  readonly d: WireDelivery;
  readonly dd: Digested;
  readonly at: number;
}

function indexOf(fresh: readonly Fresh[], dd: Digested): number | undefined {
  const i = fresh.findIndex((f) => sameDelivery(f.dd, dd));
  return i === -1 ? undefined : i;
}

export type WriterRequest =
  | ({ t: 'commit'; rejections: [string, number][] } & PackedBatch)
  | { t: 'probe'; bytes: number }
  | { t: 'exec'; sql: string }
  | { t: 'close' };

/**
 * The synchronous half of the delivery store: one transaction (one fsync)
 * per batch. It runs on the edge's event loop or in a writer thread, where
 * the loop keeps accepting requests while a commit waits on the disk
 * (`storeWriter`; see writerThread() in compose.ts).
 */
export class DeliveryWriter {
  readonly db: Db;
  private readonly dedupe: DedupeIndex;
  private readonly insert;
  private readonly bump;
  private readonly insertTx;
  private unindexed: { key: DigestKey; id: number }[] = [];
  private readonly indexTimer: NodeJS.Timeout | undefined;

  /**
   * `serving`: a long-running server's writer, whose index moves its recent
   * entries to its file on a timer (INDEX_TICK_MS) while traffic is light,
   * and commits its last transaction when deliveries stop. Without it the
   * caller ticks the index itself (tests, benchmarks).
   */
  constructor(dataDir: string, busyTimeoutMs: number, serving = false) {
    this.db = openDatabase(dataDir, DELIVERIES_FILE, DELIVERY_MIGRATIONS, { busyTimeoutMs });
    // The writer checkpoints itself, after the commit that takes the WAL past WAL_CHECKPOINT_PAGES. Only then is
    // the checkpoint complete, so the next commit starts the WAL again from its beginning. Checkpoints from another
    // connection, running while commits keep appending, never catch up under sustained load: the WAL grew without
    // bound (197 MB in 8 s at about 22k deliveries/s) and every commit paid for the file growing.
    this.db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    // After a checkpoint that readers held back let the WAL grow, it is cut back to this size when it restarts.
    this.db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    this.dedupe = new DedupeIndex(dataDir, this.db);
    this.indexTimer = serving ? setInterval(() => this.indexTick(), INDEX_TICK_MS).unref() : undefined;
    this.insert = this.db.prepare('INSERT INTO deliveries (tenant, provider, received_at, digest, signature, headers, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.bump = this.db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value');
    this.insertTx = this.db.transaction((fresh: readonly Fresh[], total: number, rejections: readonly [string, number][]) => {
      const ids = fresh.map(({ d, dd }) => Number(this.insert.run(d.tenant, d.provider, d.receivedAt, dd.digest, d.signature, d.headers, d.body).lastInsertRowid));
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

  /**
   * One synced commit for the batch. Exact re-deliveries (also within the
   * batch) are answered with the stored id; results are packed as the edge
   * reads them (unpackResult): each id, negated for a duplicate.
   */
  commit(batch: readonly WireDelivery[], rejections: readonly [string, number][]): Float64Array {
    this.indexCommitted();
    const fresh: Fresh[] = [];
    // Per delivery: an existing id (negated), or 1 + the index into `fresh` it is stored under (filled in below).
    const plan = new Float64Array(batch.length);
    // Re-deliveries inside one batch are rare: found by 30 bits of the key (small integers make a fast Map), confirmed by the full digest.
    const inBatch = new Map<number, number>();
    for (let i = 0; i < batch.length; i++) {
      const d = batch[i]!;
      // Hashing here, in the writer, keeps it off the edge's event loop when the writer has its own thread.
      const dd = digested(d.tenant, d.provider, sha256(d.body));
      const near = dd.key.lo & 0x3fffffff;
      let earlier = inBatch.get(near);
      // Two different deliveries sharing those 30 bits: look for this one's twin among all of the batch's.
      if (earlier !== undefined && !sameDelivery(fresh[earlier]!.dd, dd)) earlier = indexOf(fresh, dd);
      if (earlier !== undefined) { plan[i] = earlier + 1; continue; }
      const existing = this.dedupe.lookup(dd);
      if (existing !== undefined) { plan[i] = -existing; continue; }
      if (!inBatch.has(near)) inBatch.set(near, fresh.length);
      plan[i] = fresh.length + 1;
      fresh.push({ d, dd, at: i });
    }
    const ids = this.insertTx(fresh, batch.length, rejections);
    this.unindexed = fresh.map(({ dd }, i) => ({ key: dd.key, id: ids[i]! }));
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i]!;
      if (p < 0) continue;
      const id = ids[p - 1]!;
      // Only its first appearance in the batch is the stored one; later ones are re-deliveries.
      plan[i] = fresh[p - 1]!.at === i ? id : -id;
    }
    return plan;
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
        return this.commit(unpackBatch(m), m.rejections);
      case 'probe':
        return this.probe(m.bytes);
      case 'exec':
        return this.exec(m.sql);
      case 'close':
        return this.close();
    }
  }

  /**
   * Indexes the last commit's deliveries. The writer calls it after
   * answering, so the edge's 200s do not wait for it; commit() calls it first
   * in any case, so every lookup sees every earlier delivery.
   */
  indexCommitted(): void {
    if (this.unindexed.length === 0) return;
    this.dedupe.record(this.unindexed);
    this.unindexed = [];
  }

  /** One step of the index's timer: it moves entries to its file while traffic is light. */
  indexTick(): void {
    this.dedupe.tick();
  }

  close(): void {
    // Nothing may touch the index once it is closed.
    clearInterval(this.indexTimer);
    this.indexCommitted();
    this.dedupe.close();
    this.db.close();
  }
}
