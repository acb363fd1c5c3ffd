import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StoredDelivery } from '../../src/ports/delivery-log.js';
import { messageKey } from '../../src/core/normalize/keys.js';
import { planIngest } from '../../src/pipeline/ingest-plan.js';
import { MEDIA_TARGET, MEDIA_TARGET_SPEC } from '../../src/pipeline/media/spec.js';
import type { PipelineStores } from '../../src/ports/engine.js';
import type { MediaIndex, MediaItem } from '../../src/ports/media-index.js';

export interface MediaIndexFixture {
  /** A fresh index; `open` again for a second handle over the same data (a restart, or the CLI beside the worker). */
  open(): Promise<MediaIndex>;
  /** The same engine's event store and jobs, which queue the media jobs the index lists. */
  openPipeline(): Promise<PipelineStores>;
  dispose(): Promise<void>;
}

/** A stored Cloud API delivery with one image message and one text. */
function imageDelivery(): StoredDelivery {
  const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'waba', changes: [{ field: 'messages', value: {
    messaging_product: 'whatsapp', metadata: { phone_number_id: '1' },
    messages: [
      { from: '111', id: 'wamid.img', timestamp: '1700000000', type: 'image', image: { id: 'media-1', mime_type: 'image/png', sha256: 'ab'.repeat(32) } },
      { from: '111', id: 'wamid.txt', timestamp: '1700000001', type: 'text', text: { body: 'hi' } },
    ],
  } }] }] }));
  return { id: '1', tenant: 'default', provider: 'cloud_api', receivedAt: 1_700_000_000_000, bytes: body.length, headers: {}, body };
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

    test('the commit that queues a media job lists its item pending; queueing it again leaves the item as it is', async () => {
      const f = await fixture();
      const stores = await f.openPipeline();
      const x = await f.open();
      try {
        await stores.events.ingest(planIngest([imageDelivery()], [{ name: 'handler' }, MEDIA_TARGET_SPEC]));
        const [queued, ...others] = await x.list({});
        assert.deepEqual(others, [], 'only the image has media');
        assert.deepEqual({ ...queued!, jobSeq: 0, createdAt: 0, updatedAt: 0 }, {
          tenant: 'default', provider: 'cloud_api', messageId: 'wamid.img', kind: 'image', state: 'pending', mimeType: 'image/png', bytes: null, sha256: null,
          location: null, error: null, attempts: 0, jobSeq: 0, createdAt: 0, updatedAt: 0,
        });
        const [job] = await stores.jobs.claim(Date.now(), 5, 60_000, undefined, { only: [MEDIA_TARGET] });
        assert.equal(queued!.jobSeq, job!.seq, 'the item names its job');
        assert.deepEqual(await x.counts(), { pending: 1, ready: 0, failed: 0 });
        await x.record({ ...queued!, state: 'failed', error: 'WAHOOK_ERR_MEDIA_EXPIRED: old', attempts: 1, updatedAt: queued!.updatedAt + 1 });
        await stores.jobs.complete(job!);
        await stores.jobs.enqueue(MEDIA_TARGET, [{ tenant: 'default', key: messageKey('cloud_api', 'wamid.img') }], Date.now(), MEDIA_TARGET_SPEC.lane);
        assert.deepEqual([(await x.get('default', 'wamid.img'))!.state, await x.counts()], ['failed', { pending: 0, ready: 0, failed: 1 }]);
      } finally {
        await x.close();
        await stores.close();
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
