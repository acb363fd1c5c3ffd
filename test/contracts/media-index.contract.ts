import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MediaIndex, MediaItem } from '../../src/ports/media-index.js';

export interface MediaIndexFixture {
  /** A fresh index; `open` again for a second handle over the same data (a restart, or the CLI beside the worker). */
  open(): Promise<MediaIndex>;
  dispose(): Promise<void>;
}

const item = (over: Partial<MediaItem> = {}): MediaItem => ({
  tenant: 'default', provider: 'cloud_api', messageId: 'wamid.1', kind: 'image', state: 'pending', mimeType: null, bytes: null, sha256: null,
  location: null, error: null, attempts: 1, jobSeq: 11, createdAt: 1_000, updatedAt: 1_000, ...over,
});

/** What every media index promises: one item per tenant and message, replaced whole, its first time kept, listed newest first. */
export function mediaIndexContract(engine: string, fixture: () => Promise<MediaIndexFixture>): void {
  describe(`media index contract (${engine})`, () => {
    test('an item is recorded, replaced whole, keeps its first time, and survives a reopen', async () => {
      const f = await fixture();
      const a = await f.open();
      try {
        assert.equal(await a.get('default', 'wamid.1'), null);
        await a.record(item({ error: 'WAHOOK_ERR_MEDIA_TIMEOUT: slow' }));
        const ready = item({ state: 'ready', mimeType: 'image/jpeg', bytes: 3, sha256: 'ab'.repeat(32), location: 'file:///m/x', error: null, attempts: 2, createdAt: 9_999, updatedAt: 2_000 });
        await a.record(ready);
        const b = await f.open();
        assert.deepEqual(await b.get('default', 'wamid.1'), { ...ready, createdAt: 1_000 });
        await b.close();
      } finally {
        await a.close();
        await f.dispose();
      }
    });

    test('tenants keep apart; lists filter by tenant, message and state, newest first, up to a limit', async () => {
      const f = await fixture();
      const x = await f.open();
      try {
        await x.record(item({ messageId: 'm1', updatedAt: 10 }));
        await x.record(item({ messageId: 'm2', state: 'failed', error: 'WAHOOK_ERR_MEDIA_EXPIRED: old', updatedAt: 30 }));
        await x.record(item({ messageId: 'm3', state: 'ready', updatedAt: 20 }));
        await x.record(item({ tenant: 'acme', provider: 'wasender', messageId: 'm1', updatedAt: 40 }));
        assert.deepEqual((await x.list({})).map((m) => `${m.tenant}/${m.messageId}`), ['acme/m1', 'default/m2', 'default/m3', 'default/m1']);
        assert.deepEqual((await x.list({ tenant: 'default', limit: 2 })).map((m) => m.messageId), ['m2', 'm3']);
        assert.deepEqual((await x.list({ state: 'failed' })).map((m) => m.error), ['WAHOOK_ERR_MEDIA_EXPIRED: old']);
        assert.deepEqual((await x.list({ messageId: 'm1' })).map((m) => m.tenant), ['acme', 'default']);
        assert.equal((await x.get('acme', 'm1'))!.provider, 'wasender');
      } finally {
        await x.close();
        await f.dispose();
      }
    });

    test('counts follow each item through its states', async () => {
      const f = await fixture();
      const x = await f.open();
      try {
        assert.deepEqual(await x.counts(), { pending: 0, ready: 0, failed: 0 });
        await x.record(item({ messageId: 'm1' }));
        await x.record(item({ messageId: 'm2' }));
        await x.record(item({ tenant: 'acme', messageId: 'm1' }));
        await x.record(item({ messageId: 'm1', attempts: 2 }));
        assert.deepEqual(await x.counts(), { pending: 3, ready: 0, failed: 0 });
        await x.record(item({ messageId: 'm1', state: 'ready', updatedAt: 2_000 }));
        await x.record(item({ messageId: 'm2', state: 'failed', updatedAt: 2_000 }));
        await x.record(item({ messageId: 'm2', state: 'failed', attempts: 3, updatedAt: 3_000 }));
        assert.deepEqual(await x.counts(), { pending: 1, ready: 1, failed: 1 });
        // Fetched again: a failed item is pending once more.
        await x.record(item({ messageId: 'm2', state: 'pending', updatedAt: 4_000 }));
        const again = await f.open();
        assert.deepEqual(await again.counts(), { pending: 2, ready: 1, failed: 0 });
        await again.close();
      } finally {
        await x.close();
        await f.dispose();
      }
    });
  });
}
