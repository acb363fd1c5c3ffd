import Database from 'better-sqlite3';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS digests (
  tenant TEXT NOT NULL, provider TEXT NOT NULL, digest BLOB NOT NULL, id INTEGER NOT NULL,
  PRIMARY KEY (tenant, provider, digest)
) WITHOUT ROWID`;

/**
 * The index of delivery digests that recognises exact re-deliveries. It is
 * derived data, kept apart from deliveries.db and never synced:
 *
 * - A unique index inside deliveries.db put one random index page per row
 *   into every synced commit. Measured here on 100-row batches over 100k
 *   rows: commit p50 6.26 ms / p90 30.7 ms with it, 1.46 / 5.47 ms without.
 * - In its own WAL it still appended every dirtied page on each commit
 *   (30–50 MB/s written at 5k deliveries/s). Written in place with the
 *   journal in memory, rewrites of hot pages stay in the page cache.
 *
 * Why that is safe: an entry is written only after its delivery is
 * committed, and every hit is checked against the durable row before a
 * delivery is called a duplicate. So a lagging or damaged index can at worst
 * store a re-delivery twice (the event store still deduplicates it), never
 * drop one. An index not closed cleanly is checked, and rebuilt if damaged.
 */
export class DedupeIndex {
  private db!: Db;
  private find!: Statement;
  private add!: Statement;
  private readonly verify: Statement;
  private readonly path: string;
  private readonly dirtyMarker: string;

  constructor(dataDir: string, private readonly deliveries: Db) {
    this.path = join(dataDir, 'dedupe.db');
    this.dirtyMarker = join(dataDir, 'dedupe.open');
    const unclean = existsSync(this.dirtyMarker);
    writeFileSync(this.dirtyMarker, '');
    this.verify = deliveries.prepare('SELECT 1 FROM deliveries WHERE id = ? AND tenant = ? AND provider = ? AND digest = ?').pluck();
    this.attach(unclean);
  }

  /** Opens (after a check when it was not closed cleanly), prepares, and brings the index level with deliveries.db. */
  private attach(checkFirst: boolean): void {
    try {
      this.db = this.connect();
      if (checkFirst && this.db.pragma('quick_check', { simple: true }) !== 'ok') throw new Error('dedupe index damaged');
    } catch {
      try { this.db?.close(); } catch { /* already unusable */ }
      this.removeFiles();
      this.db = this.connect();
    }
    this.find = this.db.prepare('SELECT id FROM digests WHERE tenant = ? AND provider = ? AND digest = ?').pluck();
    this.add = this.db.prepare('INSERT OR REPLACE INTO digests (tenant, provider, digest, id) VALUES (?, ?, ?, ?)');
    this.reconcile();
  }

  private connect(): Db {
    const db = new Database(this.path);
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -65536');
    db.exec(SCHEMA);
    return db;
  }

  private removeFiles(): void {
    for (const f of ['', '-journal', '-wal', '-shm']) rmSync(this.path + f, { force: true });
  }

  /** Drops entries beyond the table's last row (a crash between the two writes) and indexes the missing tail. */
  private reconcile(): void {
    const maxId = (this.deliveries.prepare('SELECT coalesce(max(id), 0) FROM deliveries').pluck().get() as number) ?? 0;
    this.db.prepare('DELETE FROM digests WHERE id > ?').run(maxId);
    const indexed = (this.db.prepare('SELECT coalesce(max(id), 0) FROM digests').pluck().get() as number) ?? 0;
    const rows = this.deliveries.prepare('SELECT tenant, provider, digest, id FROM deliveries WHERE id > ? ORDER BY id').iterate(indexed);
    this.db.transaction(() => {
      for (const r of rows as Iterable<{ tenant: string; provider: string; digest: Buffer; id: number }>) this.add.run(r.tenant, r.provider, r.digest, r.id);
    })();
  }

  /** The stored id of these exact bytes, confirmed against deliveries.db; undefined when new. */
  lookup(tenant: string, provider: string, digest: Uint8Array): number | undefined {
    let id: number | undefined;
    try {
      id = this.find.get(tenant, provider, digest) as number | undefined;
    } catch {
      this.rebuild();
      return undefined;
    }
    return id !== undefined && this.verify.get(id, tenant, provider, digest) !== undefined ? id : undefined;
  }

  /** Records committed deliveries. A failure here never fails the delivery: the index is rebuilt instead. */
  record(rows: readonly { tenant: string; provider: string; digest: Uint8Array; id: number }[]): void {
    try {
      this.db.transaction(() => {
        for (const r of rows) this.add.run(r.tenant, r.provider, r.digest, r.id);
      })();
    } catch {
      this.rebuild();
    }
  }

  private rebuild(): void {
    try { this.db.close(); } catch { /* already unusable */ }
    this.removeFiles();
    this.attach(false);
  }

  close(): void {
    this.db.close();
    rmSync(this.dirtyMarker, { force: true });
  }
}
