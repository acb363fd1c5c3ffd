import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { LayeredBloom } from '../../core/layered-bloom.js';
import { KeyRing } from '../../core/key-ring.js';
import { createPrivate, type Db } from './open.js';

// Bump when the layout changes: the index is derived, so an old one is simply rebuilt.
const VERSION = 3;
// How long, and how many, index entries may stay uncommitted (see spill()). The count bounds the
// memory of one transaction: each entry can dirty one page, kept twice (page and its journal copy).
const INDEX_FLUSH_MS = 500;
const FLUSH_ENTRIES = 4096;
/** How often the writer calls tick(): while traffic is light, it moves RECENT_DRAIN entries to the file. */
export const INDEX_TICK_MS = 50;
// 16 MB, about 100 s of a 5,000/s campaign, drained in about as long once the burst is over.
const RECENT_CAPACITY = 1 << 19;
// Light traffic: at most this many recorded since the last tick (about 1,300 deliveries/s). The writer
// then has time to spare, and the ring drains even when deliveries never stop altogether.
const LIGHT_TICK = 64;
// One light-traffic step moves and commits this many; a delivery arriving just then waits for it, since the
// step blocks the writer's thread (its cost: `bench/index-drain.ts`, BENCHMARKS.md).
const RECENT_DRAIN = 256;
// The index is written only while traffic is light and read only on a Bloom "maybe", so a miss costs a
// read from the OS page cache at a quiet moment. A small cache fills within minutes and then stays
// level, where a large one keeps the process growing for as long as the file does.
const INDEX_CACHE_KB = 8192;
const REBUILD_RETRY_MS = 1000;
const REBUILD_RETRY_MAX_MS = 60_000;
const SCHEMA = 'CREATE TABLE IF NOT EXISTS digests (fp INTEGER PRIMARY KEY, id INTEGER NOT NULL); CREATE INDEX IF NOT EXISTS digests_by_id ON digests (id)';
// Entries of deliveries that retention has deleted are dropped this often, a bounded step per light tick,
// so the file and the Bloom filter follow the retention window instead of growing for ever.
const PRUNE_EVERY_MS = 60_000;
const PRUNE_STEP = 1024;

/** 64 bits of the digest mixed with tenant and provider, as two 32-bit halves: the index key. */
export interface DigestKey {
  readonly hi: number;
  readonly lo: number;
}

/** The key as the index file's INTEGER PRIMARY KEY. */
export function fpOf(hi: number, lo: number): bigint {
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}

/** A delivery's digest with its index key, computed once per delivery for the lookup and the record. */
export interface Digested {
  readonly tenant: string;
  readonly provider: string;
  readonly digest: Uint8Array;
  readonly key: DigestKey;
}

export function digested(tenant: string, provider: string, digest: Uint8Array): Digested {
  return { tenant, provider, digest, key: digestKey(tenant, provider, digest) };
}

const salts = new Map<string, [number, number]>();
// Almost every delivery of a batch has the scope of the one before: remember the last one.
let lastTenant = '';
let lastProvider = '';
let lastSalt: [number, number] = [0, 0];

function saltOf(tenant: string, provider: string): [number, number] {
  if (tenant === lastTenant && provider === lastProvider && lastTenant !== '') return lastSalt;
  const scope = `${tenant}\u0000${provider}`;
  let salt = salts.get(scope);
  if (salt === undefined) {
    if (salts.size > 1024) salts.clear();
    const h = createHash('sha256').update(scope).digest();
    salt = [h.readUInt32LE(0), h.readUInt32LE(4)];
    salts.set(scope, salt);
  }
  lastTenant = tenant;
  lastProvider = provider;
  lastSalt = salt;
  return salt;
}

/** The index key of a delivery's digest (sha256 of its bytes) under its tenant and provider. */
export function digestKey(tenant: string, provider: string, digest: Uint8Array): DigestKey {
  const salt = saltOf(tenant, provider);
  const d = digest;
  const hi = ((d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) ^ salt[0]) >>> 0;
  const lo = ((d[4]! | (d[5]! << 8) | (d[6]! << 16) | (d[7]! << 24)) ^ salt[1]) >>> 0;
  return { hi, lo };
}

/**
 * The index of delivery digests that recognises exact re-deliveries. It is
 * derived data, kept apart from deliveries.db and never synced:
 *
 * - A unique index inside deliveries.db put one random index page per row
 *   into every synced commit, which made the edge's commits several times
 *   slower at the median and far slower at the tail.
 * - In its own WAL it still appended every dirtied page on each commit.
 *   Written in place with the journal in memory, rewrites of hot pages stay
 *   in the page cache.
 * - Almost every delivery is new, so a Bloom filter in memory answers most
 *   lookups without touching SQLite, and the key is one 64-bit integer, not
 *   tenant, provider and 32 bytes, which cut the writer's CPU per row.
 * - Entries are committed in transactions of up to FLUSH_ENTRIES, at most
 *   INDEX_FLUSH_MS old, not with every batch: a transaction's random keys
 *   dirty each page once (`npm run bench:writer`, BENCHMARKS.md).
 * - Even so, inserting random keys into the file stayed the largest part of
 *   the writer's work. New entries now wait in a ring in memory (KeyRing,
 *   up to RECENT_CAPACITY) and reach the file while traffic is light, or
 *   when the ring is full.
 *
 * Why that is safe: an entry is written only after its delivery is
 * committed, and every hit is checked against the durable row (full digest,
 * tenant, provider) before a delivery is called a duplicate. So a lagging or
 * damaged index, or two digests sharing 64 bits, can at worst store a
 * re-delivery twice (the event store still deduplicates it), never drop one.
 * An index not closed cleanly is checked and rebuilt if damaged, and the
 * rows of its last transactions are indexed again.
 */
export class DedupeIndex {
  private db!: Db;
  private find!: Statement;
  private add!: Statement;
  private filter!: LayeredBloom;
  private openedAt = 0;
  private pending = 0;
  private recent!: KeyRing;
  private recordedSinceTick = 0;
  private closed = false;
  private brokenSince: number | null = null;
  private retryMs = REBUILD_RETRY_MS;
  private prunedAt = -Infinity;
  private prune!: Statement;
  private readonly verify: Statement;
  private readonly oldestDelivery: Statement;
  private readonly path: string;
  private readonly dirtyMarker: string;

  constructor(dataDir: string, private readonly deliveries: Db) {
    this.path = join(dataDir, 'dedupe.db');
    this.dirtyMarker = join(dataDir, 'dedupe.open');
    const unclean = existsSync(this.dirtyMarker);
    // Empty, but made like every other file in the data dir: for its owner alone.
    createPrivate(this.dirtyMarker);
    this.verify = deliveries.prepare('SELECT 1 FROM deliveries WHERE id = ? AND tenant = ? AND provider = ? AND digest = ?').pluck();
    this.oldestDelivery = deliveries.prepare('SELECT min(id) FROM deliveries').pluck();
    this.attach(unclean);
  }

  /** Opens (after a check when it was not closed cleanly), prepares, brings the index level with deliveries.db, and fills the filter. */
  private attach(checkFirst: boolean): void {
    try {
      this.db = this.connect();
      if (checkFirst && this.db.pragma('quick_check', { simple: true }) !== 'ok') throw new Error('dedupe index damaged');
      if (this.db.pragma('user_version', { simple: true }) !== VERSION) throw new Error('dedupe index of another version');
    } catch {
      try { this.db?.close(); } catch { /* already unusable */ }
      this.removeFiles();
      this.db = this.connect();
      this.db.pragma(`user_version = ${VERSION}`);
    }
    this.db.exec(SCHEMA);
    this.find = this.db.prepare('SELECT id FROM digests WHERE fp = ?').pluck();
    this.add = this.db.prepare('INSERT OR REPLACE INTO digests (fp, id) VALUES (?, ?)');
    this.prune = this.db.prepare('DELETE FROM digests WHERE fp IN (SELECT fp FROM digests WHERE id < ? LIMIT ?)');
    this.recent = new KeyRing(RECENT_CAPACITY);
    this.reconcile(checkFirst);
    this.fill();
  }

  private connect(): Db {
    createPrivate(this.path);
    const db = new Database(this.path);
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma(`cache_size = -${INDEX_CACHE_KB}`);
    return db;
  }

  private removeFiles(): void {
    for (const f of ['', '-journal', '-wal', '-shm']) rmSync(this.path + f, { force: true });
  }

  /**
   * Drops entries beyond the table's last row (a crash between the two
   * writes) and takes the rows the file does not hold yet into the ring
   * (the ring is never written at close: a clean start reads them again).
   * After an unclean stop the last index transactions may have reached the
   * file only in part (it has no journal on disk), so their rows are taken
   * again too.
   */
  private reconcile(unclean: boolean): void {
    const maxId = (this.deliveries.prepare('SELECT coalesce(max(id), 0) FROM deliveries').pluck().get() as number) ?? 0;
    this.db.prepare('DELETE FROM digests WHERE id > ?').run(maxId);
    const indexed = (this.db.prepare('SELECT coalesce(max(id), 0) FROM digests').pluck().get() as number) ?? 0;
    const from = unclean ? Math.max(0, indexed - 2 * FLUSH_ENTRIES) : indexed;
    const rows = this.deliveries.prepare('SELECT tenant, provider, digest, id FROM deliveries WHERE id > ? ORDER BY id').iterate(from);
    for (const r of rows as Iterable<{ tenant: string; provider: string; digest: Buffer; id: number }>) {
      const { hi, lo } = digestKey(r.tenant, r.provider, r.digest);
      this.remember(hi, lo, r.id);
    }
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }

  /**
   * Builds the filter from the file and the ring, sized for twice what they
   * hold now. It grows by layers from then on (LayeredBloom), so this full
   * read happens only when the index is opened.
   */
  private fill(): void {
    const held = (this.db.prepare('SELECT count(*) FROM digests').pluck().get() as number) + this.recent.size;
    this.filter = new LayeredBloom(Math.max(1 << 20, held * 2));
    for (const [fp, id] of this.db.prepare('SELECT fp, id FROM digests').raw().safeIntegers().iterate() as Iterable<[bigint, bigint]>) {
      this.filter.add(Number((fp >> 32n) & 0xffffffffn), Number(fp & 0xffffffffn), Number(id));
    }
    this.recent.forEach((hi, lo, id) => this.filter.add(hi, lo, id));
  }

  /** The stored id of these exact bytes, confirmed against deliveries.db; undefined when new. */
  lookup({ tenant, provider, digest, key }: Digested): number | undefined {
    if (!this.usable() || !this.filter.mayContain(key.hi, key.lo)) return undefined;
    const confirmed = (id: number | undefined): number | undefined => (id !== undefined && this.verify.get(id, tenant, provider, digest) !== undefined ? id : undefined);
    const recent = confirmed(this.recent.find(key.hi, key.lo));
    if (recent !== undefined) return recent;
    try {
      return confirmed(this.find.get(fpOf(key.hi, key.lo)) as number | undefined);
    } catch {
      this.rebuild();
      return undefined;
    }
  }

  /**
   * Records committed deliveries. A failure here never fails a delivery and
   * never throws: the index is rebuilt instead (see rebuild()).
   *
   * Entries go into the ring in memory. They reach the file (random B-tree
   * inserts, the costly part: about a third of the writer's work per
   * delivery) only while traffic is light (tick()) or when the ring is
   * full, so a campaign burst is answered first and indexed in the quiet
   * after it. A crash loses nothing that matters: the file's entries are a
   * prefix of deliveries.db by id, and the next start takes the rest again
   * from deliveries.db (reconcile).
   */
  record(rows: readonly { key: DigestKey; id: number }[]): void {
    if (this.closed || !this.usable()) return;
    try {
      this.recordedSinceTick += rows.length;
      for (const { key, id } of rows) {
        this.remember(key.hi, key.lo, id);
        this.filter.add(key.hi, key.lo, id);
      }
      this.flushIfDue();
    } catch {
      this.rebuild();
    }
  }

  /** Puts an entry in the ring, first making room in the file when the ring is full. */
  private remember(hi: number, lo: number, id: number): void {
    if (this.recent.size === this.recent.capacity) this.spill(RECENT_DRAIN);
    this.recent.push(hi, lo, id);
  }

  /**
   * Moves up to `n` of the ring's oldest entries into the file's open
   * transaction, committed once it holds FLUSH_ENTRIES or is INDEX_FLUSH_MS
   * old: a transaction's random keys dirty each page once, not once per entry.
   */
  private spill(n: number): void {
    this.recent.shift(n, (hi, lo, id) => {
      if (this.db.inTransaction && this.pending >= FLUSH_ENTRIES) this.db.exec('COMMIT');
      if (!this.db.inTransaction) {
        this.db.exec('BEGIN');
        this.openedAt = performance.now();
        this.pending = 0;
      }
      this.add.run(fpOf(hi, lo), id);
      this.pending++;
    });
  }

  /**
   * The writer's timer, every INDEX_TICK_MS: while traffic is light (at most
   * LIGHT_TICK recorded since the last tick), the next RECENT_DRAIN entries
   * move to the file and are committed at once, so no step holds the thread
   * long; otherwise an open transaction is committed once it is
   * INDEX_FLUSH_MS old. A burst is therefore indexed in the quiet after it.
   */
  tick(): void {
    if (this.closed || this.brokenSince !== null) return;
    const light = this.recordedSinceTick <= LIGHT_TICK;
    this.recordedSinceTick = 0;
    try {
      if (light && this.recent.size > 0) {
        this.spill(RECENT_DRAIN);
        this.db.exec('COMMIT');
      } else if (light && !this.db.inTransaction && performance.now() - this.prunedAt >= PRUNE_EVERY_MS) {
        // A full step means more may be left: the next light tick takes another.
        if (this.pruneStep(PRUNE_STEP) < PRUNE_STEP) this.prunedAt = performance.now();
      }
    } catch {
      this.rebuild();
      return;
    }
    this.flushIfDue();
  }

  /**
   * Drops up to `limit` entries of deliveries no longer in deliveries.db
   * (retention deleted them): a re-delivery of one could not be confirmed
   * against its row anyway, so it would be stored as new either way.
   * Returns how many it dropped.
   */
  pruneStep(limit: number): number {
    if (this.closed || this.brokenSince !== null || this.db.inTransaction) return 0;
    const oldest = this.oldestDelivery.get() as number | null;
    // An empty table: the entries (if any) are reconciled at the next start, never pruned blindly.
    if (oldest === null) return 0;
    // The filter's layers of keys all below the oldest delivery go with them.
    this.filter.dropBelow(oldest);
    return this.prune.run(oldest, limit).changes;
  }

  /** Commits the open transaction once it is INDEX_FLUSH_MS old. */
  private flushIfDue(): void {
    if (this.closed || this.brokenSince !== null || !this.db.inTransaction || performance.now() - this.openedAt < INDEX_FLUSH_MS) return;
    try {
      this.db.exec('COMMIT');
    } catch {
      this.rebuild();
    }
  }

  /**
   * Starts the index again from deliveries.db. If even that fails (a full
   * disk), the index is left aside: lookups answer "new" and nothing is
   * recorded, so a re-delivery may be stored twice but none is dropped, and
   * the rebuild is tried again after REBUILD_RETRY_MS, then ever less often.
   */
  private rebuild(): void {
    // After close() the connections are gone on purpose: nothing to rebuild, and the files must stay.
    if (this.closed) return;
    try { this.db.close(); } catch { /* already unusable */ }
    try {
      this.removeFiles();
      this.attach(false);
      this.brokenSince = null;
      this.retryMs = REBUILD_RETRY_MS;
    } catch {
      // A rebuild reads all of deliveries.db: while it keeps failing, try less and less often.
      if (this.brokenSince !== null) this.retryMs = Math.min(REBUILD_RETRY_MAX_MS, this.retryMs * 2);
      this.brokenSince = performance.now();
    }
  }

  private usable(): boolean {
    if (this.brokenSince === null) return true;
    if (performance.now() - this.brokenSince < this.retryMs) return false;
    this.rebuild();
    return this.brokenSince === null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.brokenSince !== null) return; // left unclean on purpose: the next start checks it
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
    rmSync(this.dirtyMarker, { force: true });
  }
}
