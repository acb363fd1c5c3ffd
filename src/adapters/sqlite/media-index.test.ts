import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/gateway.js';
import { EVENT_MIGRATIONS } from './event-migrations.js';
import { EVENTS_FILE, openEventsDb } from './events-db.js';
import { SqliteMediaIndex } from './media-index.js';
import { openDatabase, type Db } from './open.js';
import { outbox } from './job-queue.js';

/** A stored image message event, as the event store writes it; returns its seq. */
function storeImage(db: Db, messageId: string, mimeType?: string): number {
  const e = { tenant: 'default', provider: 'wasender', key: `wasender:message:${messageId}`, kind: 'message', type: 'messages.received', messageId, media: { kind: 'sticker', ...(mimeType ? { mimeType } : {}) } };
  const r = db.prepare('INSERT INTO events (tenant, key, kind, type, ts, delivery_id, json) VALUES (?, ?, ?, ?, ?, ?, ?)').run(e.tenant, e.key, e.kind, e.type, 1, 1, JSON.stringify(e));
  return Number(r.lastInsertRowid);
}

test('queueing a media job lists its item pending in the same transaction; other targets and a second queueing add nothing', async () => {
  const dir = tempDir('wahook-media-index-');
  const db = openEventsDb(dir);
  try {
    const index = new SqliteMediaIndex(db);
    const queue = outbox(db);
    const seq = storeImage(db, 'w.1', 'image/webp');
    db.transaction(() => {
      queue(seq, 'handler', 'lane-h', 500);
      queue(seq, 'media', 'lane-m', 500);
    })();
    const first = await index.get('default', 'w.1');
    assert.deepEqual(first, {
      tenant: 'default', provider: 'wasender', messageId: 'w.1', kind: 'sticker', state: 'pending', mimeType: 'image/webp', bytes: null, sha256: null,
      location: null, error: null, attempts: 0, jobSeq: seq, createdAt: 500, updatedAt: 500,
    });
    await index.record({ ...first!, state: 'failed', error: 'WAHOOK_ERR_MEDIA_TIMEOUT: slow', attempts: 8, updatedAt: 900 });
    db.prepare('DELETE FROM jobs').run();
    queue(seq, 'media', 'lane-m', 1_000);
    assert.equal((await index.get('default', 'w.1'))!.state, 'failed', 'a job queued again leaves the item to whoever queued it');
    assert.equal((await index.list({})).length, 1);
    assert.deepEqual(await index.counts(), { pending: 0, ready: 0, failed: 1 });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('upgrading events.db lists media jobs queued before the upgrade, and counts the items it already had', async () => {
  const dir = tempDir('wahook-media-index-');
  const before = openDatabase(dir, EVENTS_FILE, EVENT_MIGRATIONS.slice(0, 3), { synchronous: 'NORMAL' });
  const queue = outbox(before);
  queue(storeImage(before, 'w.queued'), 'media', 'lane-1', 700);
  const started = storeImage(before, 'w.started');
  queue(started, 'media', 'lane-2', 700);
  before.prepare(`INSERT INTO media (tenant, message_id, provider, kind, state, attempts, job_seq, created_at, updated_at)
    VALUES ('default', 'w.started', 'wasender', 'sticker', 'ready', 1, ?, 710, 720)`).run(started);
  before.close();
  const db = openEventsDb(dir);
  try {
    const index = new SqliteMediaIndex(db);
    assert.deepEqual((await index.list({})).map((m) => [m.messageId, m.state, m.attempts, m.createdAt]), [['w.started', 'ready', 1, 710], ['w.queued', 'pending', 0, 700]]);
    assert.deepEqual(await index.counts(), { pending: 1, ready: 1, failed: 0 });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
