import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/load.js';
import { createEngine } from '../../src/compose.js';
import type { Provider } from '../../src/core/events.js';
import { drainOnce } from '../../src/pipeline/drain.js';
import type { DeliveryLog } from '../../src/ports/delivery-log.js';
import type { EventQuery } from '../../src/ports/event-query.js';
import type { EventStore } from '../../src/ports/event-store.js';
import type { JobQueue } from '../../src/ports/job-queue.js';

/** Stores raw deliveries exactly as the edge would, without HTTP. */
export async function seedDeliveries(dataDir: string | Config, bodies: readonly (string | object)[], provider: Provider = 'cloud_api', tenant = 'default'): Promise<string[]> {
  const store = await createEngine(configOf(dataDir)).openDeliveryStore();
  const ids: string[] = [];
  let t = Date.now() - bodies.length;
  for (const b of bodies) {
    const body = Buffer.from(typeof b === 'string' ? b : JSON.stringify(b));
    const r = await store.append({ tenant, provider, receivedAt: t++, body, headers: {} });
    ids.push(r.id);
  }
  await store.close();
  return ids;
}

export function workerConfig(dataDir: string, extra: Record<string, unknown> = {}, env: Record<string, string> = {}): Config {
  return loadConfig({
    flags: { 'data-dir': dataDir, ...extra },
    env: { WAHOOK_APP_SECRET: 'x', WAHOOK_WORKER_POLL_MS: '5', WAHOOK_WORKER_BACKOFF_BASE_MS: '5', WAHOOK_WORKER_BACKOFF_MAX_MS: '20', ...env },
  });
}

/** Writes a handlers module into `dir` and returns its path. */
export function writeHandlers(dir: string, source: string, name = 'handlers.mjs'): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const PHONE = '106540352242922';

export function cloudEnvelope(changes: object[]): object {
  return { object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes }] };
}

export function messagesChange(value: { messages?: object[]; statuses?: object[]; contacts?: object[] }): object {
  return { field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE }, ...value } };
}

export function textMessage(id: string, from: string, ts: number, body = 'hi'): object {
  return { from, id, timestamp: String(ts), type: 'text', text: { body } };
}

export function status(id: string, value: string, ts: number, recipient = '16505551234', extra: object = {}): object {
  return { id, status: value, timestamp: String(ts), recipient_id: recipient, ...extra };
}

export interface TestStores {
  readonly log: DeliveryLog;
  readonly events: EventStore;
  readonly jobs: JobQueue;
  readonly query: EventQuery;
  close(): Promise<void>;
}

/** A data dir stands for the embedded engine there; a whole config for any engine. */
const configOf = (where: string | Config): Config => (typeof where === 'string' ? workerConfig(where) : where);

/** Every store of a data dir (or config), opened through the composition root as the worker and the CLI open them. */
export async function openStores(where: string | Config): Promise<TestStores> {
  const engine = createEngine(configOf(where));
  const log = await engine.openDeliveryLog();
  const pipeline = await engine.openPipelineStores();
  const query = await engine.openEventQuery();
  return {
    log, events: pipeline.events, jobs: pipeline.jobs, query,
    close: async () => {
      await query.close();
      await pipeline.close();
      await log.close();
    },
  };
}

/** Drains the whole backlog of a data dir in batches of 50, queueing jobs for `targets`. */
export async function drainAll(dataDir: string, targets: readonly string[] = []): Promise<TestStores> {
  const s = await openStores(dataDir);
  while ((await drainOnce(s.log, s.events, 50, targets.map((name) => ({ name })))).deliveries > 0);
  return s;
}
