import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { digestKey, fpOf } from './dedupe-index.js';
import { SqliteDeliveryStore } from './delivery-store.js';
import { tempDir } from '../../../test/helpers/gateway.js';

const delivery = (text: string) => ({ tenant: 'default', provider: 'cloud_api' as const, receivedAt: Date.now(), body: Buffer.from(`{"object":"x","entry":[],"t":"${text}"}`), headers: {} });

for (const writer of [{ name: 'writer thread', opts: {} }, { name: 'inline writer', opts: { thread: false, serving: true } }]) test(`exact re-deliveries are recognised across restarts, within a batch and per tenant (${writer.name})`, async () => {
  const dir = tempDir();
  let store = await SqliteDeliveryStore.open({ dataDir: dir, ...writer.opts });
  const [a, b, c] = await Promise.all([store.append(delivery('one')), store.append(delivery('one')), store.append({ ...delivery('one'), tenant: 'acme' })]);
  assert.deepEqual([a!.duplicate, b!.duplicate, c!.duplicate], [false, true, false]);
  assert.equal(b!.id, a!.id);
  // The next batch sees the last one's digests, though the writer indexes them after answering.
  assert.deepEqual(await store.append(delivery('one')), { id: a!.id, duplicate: true });
  await store.close();
  store = await SqliteDeliveryStore.open({ dataDir: dir, ...writer.opts });
  const again = await store.append(delivery('one'));
  assert.deepEqual(again, { id: a!.id, duplicate: true });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function storedCount(dir: string): number {
  const db = new Database(join(dir, 'deliveries.db'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM deliveries').pluck().get() as number;
  } finally {
    db.close();
  }
}

/** Stores one delivery with a fresh store and closes it, as a gateway that stopped would leave it. */
async function storedOnce(dir: string, text: string) {
  const store = await SqliteDeliveryStore.open({ dataDir: dir, thread: false });
  const r = await store.append(delivery(text));
  await store.close();
  return r;
}

/** After a reopen: `kept` is still recognised under its id, and `fresh` is stored as new. */
async function recognisedAfterReopen(dir: string, kept: { id: string; text: string }, fresh: string, thread = false): Promise<void> {
  const store = await SqliteDeliveryStore.open({ dataDir: dir, thread });
  assert.deepEqual(await store.append(delivery(kept.text)), { id: kept.id, duplicate: true });
  assert.equal((await store.append(delivery(fresh))).duplicate, false);
  await store.close();
}

test('a damaged or lagging index never turns a new delivery into a duplicate', async () => {
  const dir = tempDir();
  const first = await storedOnce(dir, 'kept');
  // An entry pointing past the table's last row (a crash between the two writes) must not count.
  const { createHash } = await import('node:crypto');
  const idx = new Database(join(dir, 'dedupe.db'));
  const ghost = digestKey('default', 'cloud_api', createHash('sha256').update(delivery('ghost').body).digest());
  idx.prepare('INSERT INTO digests VALUES (?, ?)').run(fpOf(ghost.hi, ghost.lo), Number(first.id) + 1);
  idx.close();
  assert.equal((await storedOnce(dir, 'ghost')).duplicate, false);
  // A corrupt file after an unclean stop is rebuilt from deliveries.db, and still recognises what is stored.
  writeFileSync(join(dir, 'dedupe.db'), Buffer.alloc(8192, 0x41));
  writeFileSync(join(dir, 'dedupe.open'), '');
  await recognisedAfterReopen(dir, { id: first.id, text: 'kept' }, 'fresh');
  assert.equal(storedCount(dir), 3);
  rmSync(dir, { recursive: true, force: true });
});

test('an index in an older layout is rebuilt on open and still recognises what is stored', async () => {
  const dir = tempDir();
  const first = await storedOnce(dir, 'kept');
  rmSync(join(dir, 'dedupe.db'));
  const old = new Database(join(dir, 'dedupe.db'));
  old.exec('CREATE TABLE digests (tenant TEXT NOT NULL, provider TEXT NOT NULL, digest BLOB NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (tenant, provider, digest)) WITHOUT ROWID');
  old.close();
  await recognisedAfterReopen(dir, { id: first.id, text: 'kept' }, 'new');
  rmSync(dir, { recursive: true, force: true });
});

test('index entries a crash left uncommitted are indexed again at the next start', async () => {
  const dir = tempDir();
  // A gateway that stores one delivery and is killed at once: its index entry is still in the open index transaction.
  const storeUrl = new URL('./delivery-store.js', import.meta.url).href;
  const script = `
    const { SqliteDeliveryStore } = await import(${JSON.stringify(storeUrl)});
    const store = await SqliteDeliveryStore.open({ dataDir: ${JSON.stringify(dir)} });
    const r = await store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: Date.now(), body: Buffer.from('{"object":"x","entry":[],"t":"crash"}'), headers: {} });
    process.stdout.write(JSON.stringify(r), () => process.kill(process.pid, 'SIGKILL'));`;
  const { spawnSync } = await import('node:child_process');
  // A file, not `-e`: the writer thread inherits the process's flags, and `--input-type` would fail it.
  const file = join(dir, 'crash.mjs');
  writeFileSync(file, script);
  const child = spawnSync(process.execPath, [file], { encoding: 'utf8' });
  assert.equal(child.signal, 'SIGKILL');
  const stored = JSON.parse(child.stdout) as { id: string; duplicate: boolean };
  assert.equal(stored.duplicate, false);
  await recognisedAfterReopen(dir, { id: stored.id, text: 'crash' }, 'after');
  rmSync(dir, { recursive: true, force: true });
});

/** Stores deliveries with the writer itself and lets its idle ticks move their index entries from memory to the index file. */
async function storedInIndexFile(dir: string, texts: string[]) {
  const { DeliveryWriter } = await import('./delivery-writer.js');
  const { packBatch, unpackBatch, unpackResult } = await import('./delivery-wire.js');
  const writer = new DeliveryWriter(dir, 1000);
  const ids = texts.map((text) => {
    const r = unpackResult(writer.commit(unpackBatch(packBatch([{ ...delivery(text), signature: null, headers: '{}' }])), []), 0);
    writer.indexCommitted();
    return r.id;
  });
  // Traffic this light: the tick moves the entries.
  writer.indexTick();
  writer.close();
  return ids;
}

for (const thread of [false, true]) test(`after an unclean stop, a hole in the index below its last entry is filled again (${thread ? 'writer thread' : 'inline writer'})`, async () => {
  const dir = tempDir();
  const [first, middle] = await storedInIndexFile(dir, ['a', 'b', 'c']);
  // A torn index transaction: a later entry reached the file, an earlier one did not.
  const idx = new Database(join(dir, 'dedupe.db'));
  assert.equal(idx.prepare('DELETE FROM digests WHERE id = ?').run(middle).changes, 1);
  idx.close();
  writeFileSync(join(dir, 'dedupe.open'), '');
  await recognisedAfterReopen(dir, { id: middle!, text: 'b' }, 'd', thread);
  await recognisedAfterReopen(dir, { id: first!, text: 'a' }, 'e', thread);
  rmSync(dir, { recursive: true, force: true });
});

test('entries wait in memory under heavy traffic, reach the index file when it is light, and are found in both', async () => {
  const dir = tempDir();
  const filed = (): number => {
    const idx = new Database(join(dir, 'dedupe.db'), { readonly: true });
    try {
      return idx.prepare('SELECT count(*) FROM digests').pluck().get() as number;
    } finally {
      idx.close();
    }
  };
  const [id] = await storedInIndexFile(dir, ['filed']);
  assert.equal(filed(), 1);
  // More than a light tick's worth recorded since the last tick: nothing moves yet; the next tick is light and moves them.
  const { DeliveryWriter } = await import('./delivery-writer.js');
  const writer = new DeliveryWriter(dir, 1000);
  const burst = Array.from({ length: 100 }, (_, i) => ({ ...delivery(`burst-${i}`), signature: null, headers: '{}' }));
  writer.commit(burst, []);
  writer.indexCommitted();
  writer.indexTick();
  writer.close();
  assert.equal(filed(), 1);
  // Closed before a light tick: the entries were only in memory, and a clean start takes them again from deliveries.db.
  const recent = await storedOnce(dir, 'recent');
  assert.equal(filed(), 1);
  await recognisedAfterReopen(dir, { id: recent.id, text: 'recent' }, 'later');
  await recognisedAfterReopen(dir, { id: id!, text: 'filed' }, 'last');
  assert.equal((await storedOnce(dir, 'burst-7')).duplicate, true);
  rmSync(dir, { recursive: true, force: true });
});

test('a tick after close neither touches nor removes the index file', async () => {
  const dir = tempDir();
  await storedInIndexFile(dir, ['kept']);
  const { DeliveryWriter } = await import('./delivery-writer.js');
  const writer = new DeliveryWriter(dir, 1000);
  writer.commit([{ ...delivery('late'), signature: null, headers: '{}' }], []);
  writer.indexCommitted();
  writer.close();
  writer.indexTick();
  const idx = new Database(join(dir, 'dedupe.db'), { readonly: true });
  assert.equal(idx.prepare('SELECT count(*) FROM digests').pluck().get(), 1);
  idx.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Two different bodies whose digests share the 30 bits the writer keys a batch by (found by search, ~40k hashes). */
async function collidingBodies(): Promise<[Buffer, Buffer]> {
  const { createHash } = await import('node:crypto');
  const seen = new Map<number, Buffer>();
  for (let n = 0; ; n++) {
    const body = delivery(`collide-${n}`).body;
    const bits = createHash('sha256').update(body).digest().readUInt32LE(4) & 0x3fffffff;
    const other = seen.get(bits);
    if (other !== undefined) return [other, body];
    seen.set(bits, body);
  }
}

test('a re-delivery inside a batch is found even when another delivery shares its 30-bit batch key', async () => {
  const dir = tempDir();
  const [x, y] = await collidingBodies();
  const store = await SqliteDeliveryStore.open({ dataDir: dir });
  const at = (body: Buffer) => ({ ...delivery(''), body });
  // Appended in one tick, so they commit as one batch.
  const [rx, ry, again] = await Promise.all([store.append(at(x)), store.append(at(y)), store.append(at(y))]);
  assert.deepEqual([rx!.duplicate, ry!.duplicate, again], [false, false, { id: ry!.id, duplicate: true }]);
  await store.close();
  assert.equal(storedCount(dir), 2);
  rmSync(dir, { recursive: true, force: true });
});

test('an index that cannot even be rebuilt is set aside, never fails a commit, and comes back', async () => {
  const dir = tempDir();
  const { DeliveryWriter } = await import('./delivery-writer.js');
  const { packBatch, unpackBatch, unpackResult } = await import('./delivery-wire.js');
  const writer = new DeliveryWriter(dir, 1000);
  const commit = (text: string) => {
    const d = delivery(text);
    const packed = writer.commit(unpackBatch(packBatch([{ ...d, signature: null, headers: '{}' }])), []);
    writer.indexCommitted();
    return unpackResult(packed, 0);
  };
  const first = commit('kept');
  // A tick under light traffic moves the entry to the index file, where the next lookup has to read it.
  writer.indexTick();
  // Break the index under the writer: its connection fails, and a directory where its file was stops the rebuild.
  (writer as unknown as { dedupe: { db: Database.Database } }).dedupe.db.close();
  rmSync(join(dir, 'dedupe.db'), { force: true });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'dedupe.db'));
  // Set aside: the re-delivery is stored again rather than dropped, and other deliveries still commit.
  assert.equal(commit('kept').duplicate, false);
  assert.equal(commit('other').duplicate, false);
  rmSync(join(dir, 'dedupe.db'), { recursive: true, force: true });
  await new Promise((r) => setTimeout(r, 1100));
  // Rebuilt from deliveries.db on the next use after the retry delay.
  assert.equal(commit('kept').duplicate, true);
  assert.ok(Number(first.id) > 0);
  writer.close();
  rmSync(dir, { recursive: true, force: true });
});

test('entries of deliveries that retention deleted leave the index, a bounded step at a time, and the rest are still recognised', async () => {
  const dir = tempDir();
  const ids = await storedInIndexFile(dir, ['a', 'b', 'c', 'd']);
  const entries = (): number[] => {
    const idx = new Database(join(dir, 'dedupe.db'), { readonly: true });
    try {
      return idx.prepare('SELECT id FROM digests ORDER BY id').pluck().all() as number[];
    } finally {
      idx.close();
    }
  };
  assert.deepEqual(entries(), ids.map(Number));
  // Retention deletes the two oldest deliveries.
  const deliveries = new Database(join(dir, 'deliveries.db'));
  assert.equal(deliveries.prepare('DELETE FROM deliveries WHERE id <= ?').run(Number(ids[1])).changes, 2);
  deliveries.close();
  const { DedupeIndex } = await import('./dedupe-index.js');
  const { DeliveryWriter } = await import('./delivery-writer.js');
  const db = new Database(join(dir, 'deliveries.db'));
  const index = new DedupeIndex(dir, db);
  assert.equal(index.pruneStep(1), 1);
  assert.deepEqual(entries(), ids.slice(1).map(Number));
  assert.equal(index.pruneStep(10), 1);
  assert.equal(index.pruneStep(10), 0);
  index.close();
  db.close();
  assert.deepEqual(entries(), ids.slice(2).map(Number));
  // A light tick prunes too: a deleted delivery's entry goes, a kept one stays recognised.
  const gone = await storedOnce(dir, 'e');
  const d2 = new Database(join(dir, 'deliveries.db'));
  d2.prepare('DELETE FROM deliveries WHERE id <= ?').run(Number(ids[2]));
  d2.close();
  const writer = new DeliveryWriter(dir, 1000);
  // The first light tick files what the ring holds ('e', taken again at the start); the next one prunes.
  writer.indexTick();
  writer.indexTick();
  writer.close();
  assert.deepEqual(entries(), [Number(ids[3]), Number(gone.id)]);
  await recognisedAfterReopen(dir, { id: ids[3]!, text: 'd' }, 'a');
  rmSync(dir, { recursive: true, force: true });
});
