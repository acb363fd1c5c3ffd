import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppendDone, DeliveryStore, NewDelivery } from '../../ports/delivery-log.js';
import { isGatewayError } from '../../core/errors.js';
import { watchDiskReserve, withDiskReserve } from './disk-reserve.js';

const MB = 1024 * 1024;

/** A store that accepts everything and remembers what reached it. */
function recordingStore(): DeliveryStore & { appended: number; rejections: string[]; closed: boolean } {
  const s = {
    appended: 0,
    rejections: [] as string[],
    closed: false,
    append: async () => ({ id: String(++s.appended), duplicate: false }),
    appendWith: (_d: NewDelivery, done: AppendDone) => done(null, { id: String(++s.appended), duplicate: false }),
    recordRejection: (code: string) => void s.rejections.push(code),
    ping: async () => undefined,
    close: async () => void (s.closed = true),
  };
  return s;
}

const delivery: NewDelivery = { tenant: 'default', provider: 'cloud_api', receivedAt: 1, body: Buffer.from('{}'), headers: {} };
const codeOf = (e: unknown): string => (isGatewayError(e) ? e.code : String(e));

test('below the reserve deliveries and readiness are refused with WAHOOK_ERR_DISK_FULL; once space is back they pass again, with one notice each way', async () => {
  let free = 100 * MB;
  const changes: [boolean, number][] = [];
  const reserve = watchDiskReserve({ dir: '/unused', minFreeBytes: 64 * MB, intervalMs: 3_600_000, free: async () => free, onChange: (short, bytes) => changes.push([short, bytes]) });
  const inner = recordingStore();
  const store = withDiskReserve(inner, reserve);
  try {
    await reserve.check();
    assert.deepEqual(await store.append(delivery), { id: '1', duplicate: false });
    await store.ping();

    free = 10 * MB;
    await reserve.check();
    await reserve.check();
    assert.equal(reserve.short, true);
    assert.equal(codeOf(await store.append(delivery).catch((e: unknown) => e)), 'WAHOOK_ERR_DISK_FULL');
    let answered: unknown;
    store.appendWith(delivery, (e) => (answered = e));
    assert.equal(codeOf(answered), 'WAHOOK_ERR_DISK_FULL');
    assert.equal(codeOf(await store.ping().catch((e: unknown) => e)), 'WAHOOK_ERR_DISK_FULL');
    assert.equal(inner.appended, 1, 'nothing was written while short');
    store.recordRejection('WAHOOK_ERR_DISK_FULL');
    assert.deepEqual(inner.rejections, ['WAHOOK_ERR_DISK_FULL'], 'refusals are still counted by the store');

    free = 64 * MB;
    await reserve.check();
    assert.equal(reserve.short, false);
    store.appendWith(delivery, (e, r) => (answered = e ?? r));
    assert.deepEqual(answered, { id: '2', duplicate: false });
    await store.ping();
    assert.deepEqual(changes, [[true, 10 * MB], [false, 64 * MB]], 'one notice on entering, one on leaving');
  } finally {
    await store.close();
  }
  assert.equal(inner.closed, true);
});

test('a failed statfs changes nothing, and a reserve of 0 never refuses', async () => {
  let fail = false;
  const reserve = watchDiskReserve({ dir: '/unused', minFreeBytes: 64 * MB, intervalMs: 3_600_000, free: async () => { if (fail) throw new Error('EIO'); return 0; } });
  await reserve.check();
  assert.equal(reserve.short, true);
  fail = true;
  await reserve.check();
  assert.equal(reserve.short, true);
  reserve.stop();
  const off = watchDiskReserve({ dir: '/unused', minFreeBytes: 0, free: async () => 0 });
  await off.check();
  assert.equal(off.short, false);
  off.stop();
});

test('the real filesystem: a reserve larger than any disk is short from the first request, before any timer ran', () => {
  const reserve = watchDiskReserve({ dir: process.cwd(), minFreeBytes: Number.MAX_SAFE_INTEGER });
  try {
    assert.equal(reserve.short, true);
  } finally {
    reserve.stop();
  }
  const roomy = watchDiskReserve({ dir: process.cwd(), minFreeBytes: 1 });
  assert.equal(roomy.short, false);
  roomy.stop();
});
