import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JobTargetSpec } from '../../src/core/job-routing.js';
import { drainOnce } from '../../src/pipeline/drain.js';
import type { DeliveryLog } from '../../src/ports/delivery-log.js';
import type { Engine } from '../../src/ports/engine.js';
import type { EventStore } from '../../src/ports/event-store.js';
import { allDeliveries } from '../helpers/gateway.js';
import { cloudEnvelope, messagesChange, textMessage } from '../helpers/pipeline.js';

const DAY = 86_400_000;

export interface RetentionFixture {
  /** An engine with retention, over empty stores of the test's own. */
  readonly engine: Engine;
  dispose(): Promise<void>;
}

const messageBody = (id: string, contact: string, tsSec: number): Buffer =>
  Buffer.from(JSON.stringify(cloudEnvelope([messagesChange({ messages: [textMessage(id, contact, tsSec)] })])));

const idsOf = (bodies: readonly { body: Uint8Array }[]): string[] =>
  bodies.map((d) => (JSON.parse(Buffer.from(d.body).toString('utf8')) as { entry: { changes: { value: { messages: { id: string }[] } }[] }[] }).entry[0]!.changes[0]!.value.messages[0]!.id);

/**
 * Has the worker take exactly `n` more deliveries. On PostgreSQL a delivery
 * is readable only once every older transaction in the cluster has ended,
 * so one read may return fewer while another client's transaction is open.
 */
async function take(log: DeliveryLog, events: EventStore, n: number, targets: readonly JobTargetSpec[] = []): Promise<void> {
  const end = Date.now() + 10_000;
  for (let taken = 0; taken < n;) {
    taken += (await drainOnce(log, events, n - taken, targets)).deliveries;
    if (Date.now() > end) throw new Error(`the worker took ${taken} of ${n} deliveries`);
    if (taken < n) await new Promise((r) => setTimeout(r, 10));
  }
}

/** What every engine's retention promises: batches of at most the limit, only past the cutoff, and never what the pipeline still needs. */
export function retentionContract(name: string, make: () => Promise<RetentionFixture>): void {
  describe(`retention contract (${name})`, () => {
    test('deliveries past the cutoff go in batches, never one the worker has not taken, and a later re-delivery is stored again', async () => {
      const { engine, dispose } = await make();
      const store = await engine.openDeliveryStore();
      const log = await engine.openDeliveryLog();
      const pipeline = await engine.openPipelineStores();
      const retention = await engine.openRetention!();
      try {
        const now = Date.now();
        const old = Array.from({ length: 6 }, (_, i) => messageBody(`wamid.old.${i}`, '1000', Math.floor(now / 1000)));
        for (const [i, body] of old.entries()) await store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: now - 40 * DAY + i, body, headers: {} });
        for (const i of [0, 1]) await store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: now - i, body: messageBody(`wamid.new.${i}`, '1000', Math.floor(now / 1000)), headers: {} });
        // The worker has taken the first four.
        await take(log, pipeline.events, 4);
        const cutoff = now - 30 * DAY;
        assert.deepEqual([await retention.prune('deliveries', cutoff, 3), await retention.prune('deliveries', cutoff, 3), await retention.prune('deliveries', cutoff, 3)], [3, 1, 0]);
        assert.deepEqual(idsOf(await allDeliveries(log)).sort(), ['wamid.new.0', 'wamid.new.1', 'wamid.old.4', 'wamid.old.5']);
        await take(log, pipeline.events, 4);
        assert.equal(await retention.prune('deliveries', cutoff, 100), 2);
        assert.equal(await retention.prune('deliveries', cutoff, 100), 0);
        assert.deepEqual(idsOf(await allDeliveries(log)).sort(), ['wamid.new.0', 'wamid.new.1']);
        // The stored copy is gone, so the same bytes are a new delivery, not a duplicate of a row that no longer exists.
        assert.equal((await store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: now, body: old[0]!, headers: {} })).duplicate, false);
      } finally {
        await retention.close();
        await pipeline.close();
        await log.close();
        await store.close();
        await dispose();
      }
    });

    test('events past the cutoff go in batches, but not while a job for them is pending', async () => {
      const { engine, dispose } = await make();
      const store = await engine.openDeliveryStore();
      const log = await engine.openDeliveryLog();
      const pipeline = await engine.openPipelineStores();
      const query = await engine.openEventQuery();
      const retention = await engine.openRetention!();
      try {
        const now = Date.now();
        const oldSec = Math.floor((now - 40 * DAY) / 1000);
        for (let i = 0; i < 4; i++) await store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: now, body: messageBody(`wamid.ev.${i}`, String(2000 + i), oldSec + i), headers: {} });
        await store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: now, body: messageBody('wamid.ev.recent', '2999', Math.floor(now / 1000)), headers: {} });
        // The first two become events without jobs; the rest queue a job each.
        await take(log, pipeline.events, 2);
        await take(log, pipeline.events, 3, [{ name: 'h' }]);
        const cutoff = now - 30 * DAY;
        assert.deepEqual([await retention.prune('events', cutoff, 1), await retention.prune('events', cutoff, 1), await retention.prune('events', cutoff, 1)], [1, 1, 0]);
        const kept = async (): Promise<string[]> => (await query.events({ limit: 100 })).map((e) => e.messageId!).sort();
        assert.deepEqual(await kept(), ['wamid.ev.2', 'wamid.ev.3', 'wamid.ev.recent']);
        for (let jobs = await pipeline.jobs.claim(Date.now(), 10, 60_000); jobs.length > 0; jobs = await pipeline.jobs.claim(Date.now(), 10, 60_000)) {
          for (const j of jobs) await pipeline.jobs.complete(j);
        }
        assert.equal(await retention.prune('events', cutoff, 10), 2);
        assert.deepEqual(await kept(), ['wamid.ev.recent']);
      } finally {
        await retention.close();
        await query.close();
        await pipeline.close();
        await log.close();
        await store.close();
        await dispose();
      }
    });

    test('rollups past the cutoff go in batches', async () => {
      const { engine, dispose } = await make();
      const telemetry = await engine.openTelemetryStore();
      const retention = await engine.openRetention!();
      try {
        const minute = Math.floor(Date.now() / 60_000) * 60_000;
        const rollup = { deliveries: 1, events: 1, bytesIn: 1, duplicates: 0, rejected: 0, p50Ms: 1, p99Ms: 1, cpuMsPerDelivery: 1, peakRps: 1, logBytes: 1, cpuMs: 1, sampledMs: 60_000 };
        // Saved with a long window, so that saving prunes nothing itself.
        for (const m of [minute - 40 * DAY, minute - 39 * DAY, minute - 60_000]) await telemetry.save({ ...rollup, minute: m }, 10_000);
        const cutoff = minute - 30 * DAY;
        assert.deepEqual([await retention.prune('rollups', cutoff, 1), await retention.prune('rollups', cutoff, 1), await retention.prune('rollups', cutoff, 1)], [1, 1, 0]);
        assert.deepEqual((await telemetry.since(0)).map((r) => r.minute), [minute - 60_000]);
      } finally {
        await retention.close();
        await telemetry.close();
        await dispose();
      }
    });
  });
}
