import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectStats } from '../src/pipeline/stats.js';
import { cloudEnvelope, messagesChange, openStores, seedDeliveries, status, textMessage, until, writeHandlers } from '../test/helpers/pipeline.js';
import { spawnWahook } from '../test/helpers/process.js';
import { flag, isMain, numFlag, prepareStore, type EngineKind } from './lib.js';

export interface WorkerCrashOptions {
  readonly engine: EngineKind;
  /** Deliveries in the backlog, each a message and its three statuses (four events). */
  readonly deliveries: number;
  /** Deliveries the worker must have taken before it is killed. */
  readonly killAfter: number;
}

export interface WorkerCrashReport {
  readonly engine: EngineKind;
  readonly deliveries: number;
  /** Deliveries taken when the SIGKILL landed. */
  readonly killedAt: number;
  readonly events: number;
  readonly distinctEventKeys: number;
  readonly messagesRead: number;
  /** Distinct messages the handler saw (handlers run at least once). */
  readonly handledMessages: number;
  readonly handlerCalls: number;
  readonly restartExitCode: number | null;
}

/**
 * A `wahook worker` is killed with SIGKILL while its backlog is part drained
 * (mid-batch: batches of 100 commit one at a time), then a second worker
 * finishes it. Events are keyed, so the batch the first one was writing
 * either committed whole with its checkpoint or not at all.
 */
export async function workerCrash(o: WorkerCrashOptions): Promise<WorkerCrashReport> {
  const store = await prepareStore(o.engine);
  const bodies: object[] = [];
  for (let i = 0; i < o.deliveries; i++) {
    const id = `wamid.crash.${i}`;
    bodies.push(cloudEnvelope([messagesChange({ messages: [textMessage(id, String(1000 + (i % 50)), 1_700_000_000 + i)], statuses: [status(id, 'sent', 1_700_000_001 + i), status(id, 'delivered', 1_700_000_002 + i), status(id, 'read', 1_700_000_003 + i)] })]));
  }
  await seedDeliveries(store.config, bodies);
  const out = join(store.dataDir, 'handled.log');
  const handlers = writeHandlers(store.dataDir, `
    import { appendFileSync } from 'node:fs';
    export function message(event, ctx) { appendFileSync(${JSON.stringify(out)}, ctx.key + '\\n'); }
  `);
  const env = { ...store.env, WAHOOK_HANDLERS: handlers, WAHOOK_WORKER_BATCH: '100', WAHOOK_WORKER_POLL_MS: '5', WAHOOK_HANDLER_TIMEOUT_MS: '2000' };
  const stores = await openStores(store.config);
  const stats = () => collectStats(stores.log, stores.query, stores.jobs, Date.now());
  const taken = async (): Promise<number> => o.deliveries - (await stats()).queueDepth;
  const first = spawnWahook(['worker'], env);
  let second: ReturnType<typeof spawnWahook> | undefined;
  try {
    await until(async () => (await taken()) >= o.killAfter, 60_000, 'worker progress');
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = await taken();
    second = spawnWahook(['worker'], env);
    await until(async () => (await taken()) === o.deliveries, 120_000, 'worker to drain after restart');
    await until(async () => (await stats()).jobsPending === 0, 120_000, 'handler jobs');
    second.child.kill('SIGTERM');
    const { code } = await second.exited;
    const events = await stores.query.events({ limit: 10_000_000 });
    const calls = readFileSync(out, 'utf8').trim().split('\n');
    return {
      engine: o.engine, deliveries: o.deliveries, killedAt,
      events: events.length,
      distinctEventKeys: new Set(events.map((e) => e.key)).size,
      messagesRead: (await stores.query.messages(10_000_000)).filter((m) => m.status === 'read').length,
      handledMessages: new Set(calls).size,
      handlerCalls: calls.length,
      restartExitCode: code,
    };
  } finally {
    // A failed wait must not leave a worker running.
    first.child.kill('SIGKILL');
    second?.child.kill('SIGKILL');
    await stores.close();
    await store.dispose();
  }
}

export function summary(r: WorkerCrashReport): string {
  return [
    `worker crash (${r.engine}): ${r.deliveries} deliveries (${r.deliveries * 4} events expected), SIGKILL after ${r.killedAt} taken`,
    `  events ${r.events}, distinct keys ${r.distinctEventKeys}, messages read ${r.messagesRead}`,
    `  handler: ${r.handledMessages} messages in ${r.handlerCalls} calls (at least once); restarted worker exited ${r.restartExitCode}`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const deliveries = numFlag('deliveries', 3000);
  const r = await workerCrash({ engine: flag('engine', 'sqlite') as EngineKind, deliveries, killAfter: numFlag('kill-after', Math.floor(deliveries / 4)) });
  console.log(summary(r));
  process.exitCode = r.events === deliveries * 4 && r.distinctEventKeys === r.events && r.handledMessages === deliveries ? 0 : 1;
}
