/**
 * Queue peers, side by side in one run: the drain benchmark's backlog (30,000 deliveries by default;
 * the issue's 100,000 with `--deliveries 100000`: three drains of it, one of them an event-by-event
 * handler job queue, do not fit in five minutes on two cores)
 * through wahook (one `wahook worker` on PostgreSQL, an empty handler, so every event is also a job),
 * through pg-boss on the same PostgreSQL, and through BullMQ on a redis-server this script starts with
 * `appendonly yes` and `appendfsync always`. Each peer job is one delivery and does the same work
 * wahook does per delivery: parse it, normalise it with wahook's own pure normaliser, insert its
 * events into a table keyed by (tenant, key) with ON CONFLICT DO NOTHING, and call the same empty
 * handler once per event. The backlog is queued before each clock starts; each clock runs from the
 * start of the consumers to the last job done. wahook's consumer is a process of its own, so its
 * start-up (measured apart: the median of three starts of `wahook worker` on an empty schema, until
 * it logs that it has started) is taken off its time, as the peers' clocks start after their setup.
 * Run alone on the machine:
 *   npm run bench:queue-peers -- [--deliveries 30000] [--concurrency 16] [--pool 10] [--boss-batch 100]
 *     [--peers wahook,pg-boss,bullmq] [--database-url postgres://…] [--json]
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { Queue, Worker } from 'bullmq';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { normalize } from '../src/core/normalize/index.js';
import { exactlyOnce } from './backlog.js';
import { event as emptyHandler } from './handlers/empty.js';
import { arg, argText, hasFlag, printTable, SECRET } from './lib.js';
import { drainWith, emptyHandlers, seedBacklog, type PgBacklog } from './pg-drain.js';
import { benchSchema, databaseUrl, sql, startRedis, wahookBin } from './services.js';

const DELIVERIES = arg('deliveries', 30_000);
// Jobs in flight at once for every peer: wahook's worker.concurrency default.
const CONCURRENCY = arg('concurrency', 16);
// PostgreSQL connections of each consumer: wahook's db-pool-max default.
const POOL = arg('pool', 10);
// pg-boss v10 sleeps out its polling interval (0.5 s at the least) after every fetch, so each of its
// workers fetches a batch; one job at a time would cap it at 2 jobs/s per worker.
const BOSS_BATCH = arg('boss-batch', 100);
const PEERS = argText('peers', 'wahook,pg-boss,bullmq').split(',');

interface PeerResult { peer: string; seconds: number; jobs: number; failed: number; exactlyOnce: ReturnType<typeof exactlyOnce> }

const ref = { tenant: 'default', provider: 'cloud_api', receivedAt: 0 } as const;

/** A peer's table of events, shaped like wahook's. */
async function eventsTable(base: string, name: string): Promise<{ table: string; keys(): Promise<string[]>; drop(): Promise<void> }> {
  const schema = `bench_peer_${name.replace(/\W/g, '')}_${process.pid}`;
  await sql(base, `CREATE SCHEMA "${schema}"`);
  await sql(base, `CREATE TABLE "${schema}".events (seq bigserial PRIMARY KEY, tenant text NOT NULL, key text NOT NULL, kind text NOT NULL, type text NOT NULL, ts bigint NOT NULL, json jsonb NOT NULL, UNIQUE (tenant, key))`);
  return {
    table: `"${schema}".events`,
    keys: async () => (await sql(base, `SELECT key FROM "${schema}".events`)).rows.map((r) => r.key as string),
    drop: async () => void (await sql(base, `DROP SCHEMA "${schema}" CASCADE`)),
  };
}

/** One job's work: the delivery's events inserted once each, then the handler per event. */
async function work(pool: pg.Pool, table: string, deliveryId: string, body: string): Promise<void> {
  const { events } = normalize({ ...ref, deliveryId }, JSON.parse(body));
  const values: unknown[] = [];
  const rows = events.map((e, i) => {
    values.push(e.tenant, e.key, e.kind, e.type, e.timestamp, JSON.stringify(e));
    return `($${i * 6 + 1}, $${i * 6 + 2}, $${i * 6 + 3}, $${i * 6 + 4}, $${i * 6 + 5}, $${i * 6 + 6})`;
  });
  await pool.query(`INSERT INTO ${table} (tenant, key, kind, type, ts, json) VALUES ${rows.join(', ')} ON CONFLICT (tenant, key) DO NOTHING`, values);
  for (const _ of events) emptyHandler();
}

async function untilDone(done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((r) => setTimeout(r, 50));
}

/** Seconds from forking `wahook worker` (with wahook's settings of this run) to its log line saying it has started, on an empty schema. */
async function workerStartup(base: string, env: Record<string, string>): Promise<number> {
  const s = await benchSchema(base, 'startup');
  try {
    const started = performance.now();
    const child = fork(wahookBin, ['worker'], {
      env: { ...process.env, WAHOOK_APP_SECRET: SECRET, DATABASE_URL: s.url, WAHOOK_DB_SCHEMA: s.schema, WAHOOK_LOG_LEVEL: 'info', WAHOOK_HANDLERS: emptyHandlers, ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const seconds = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('worker started')) resolve((performance.now() - started) / 1000);
      });
      child.once('exit', () => reject(new Error(`wahook worker exited before it started: ${out}`)));
    });
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    return seconds;
  } finally {
    await s.drop();
  }
}

async function viaPgBoss(b: PgBacklog): Promise<PeerResult> {
  const t = await eventsTable(b.base, 'pgboss');
  const schema = `bench_boss_${process.pid}`;
  const boss = new PgBoss({ connectionString: b.base, schema, max: POOL, schedule: false, supervise: false });
  boss.on('error', (e: Error) => process.stderr.write(`pg-boss: ${e.message}\n`));
  const pool = new pg.Pool({ connectionString: b.base, max: POOL });
  try {
    await boss.start();
    await boss.createQueue('deliveries');
    for (let i = 0; i < b.bodies.length; i += 1000) {
      await boss.insert(b.bodies.slice(i, i + 1000).map((body, k) => ({ name: 'deliveries', data: { id: String(i + k), body } })));
    }
    let failed = 0;
    const started = performance.now();
    // v10 has no per-worker concurrency: each work() is one polling loop that runs its batch one job at a time.
    for (let w = 0; w < CONCURRENCY; w++) {
      await boss.work<{ id: string; body: string }>('deliveries', { batchSize: BOSS_BATCH, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const j of jobs) await work(pool, t.table, j.data.id, j.data.body).catch((e: unknown) => { failed++; throw e; });
      });
    }
    await untilDone(async () => (await boss.getQueueSize('deliveries', { before: 'completed' })) === 0);
    const seconds = (performance.now() - started) / 1000;
    return { peer: 'pg-boss', seconds, jobs: b.bodies.length, failed, exactlyOnce: exactlyOnce(b.expected, await t.keys()) };
  } finally {
    await boss.stop({ graceful: false, wait: true });
    await pool.end();
    await t.drop();
    await sql(b.base, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}

async function viaBullMq(b: PgBacklog): Promise<PeerResult> {
  const t = await eventsTable(b.base, 'bullmq');
  const redis = await startRedis();
  const url = new URL(redis.url);
  const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
  const queue = new Queue('deliveries', { connection });
  const pool = new pg.Pool({ connectionString: b.base, max: POOL });
  let worker: Worker | null = null;
  try {
    for (let i = 0; i < b.bodies.length; i += 1000) {
      await queue.addBulk(b.bodies.slice(i, i + 1000).map((body, k) => ({ name: 'delivery', data: { id: String(i + k), body }, opts: { removeOnComplete: true } })));
    }
    let completed = 0;
    let failed = 0;
    const started = performance.now();
    worker = new Worker<{ id: string; body: string }>('deliveries', (job) => work(pool, t.table, job.data.id, job.data.body), { connection, concurrency: CONCURRENCY });
    worker.on('completed', () => void completed++);
    worker.on('failed', () => void failed++);
    await untilDone(async () => completed + failed >= b.bodies.length);
    const seconds = (performance.now() - started) / 1000;
    return { peer: 'BullMQ', seconds, jobs: b.bodies.length, failed, exactlyOnce: exactlyOnce(b.expected, await t.keys()) };
  } finally {
    await worker?.close();
    await queue.close();
    await redis.stop();
    await pool.end();
    await t.drop();
  }
}

const backlog = await seedBacklog(databaseUrl(), DELIVERIES);
const rows: Record<string, string | number>[] = [];
const results: Record<string, unknown> = {};
/** One row per consumer, in the same columns for all; a peer's job is a delivery, wahook's an event's handler call. */
const row = (run: string, seconds: number, jobs: number, failed: number, once: ReturnType<typeof exactlyOnce>): Record<string, string | number> => ({
  run, seconds, 'deliveries/s': Math.round(DELIVERIES / seconds), 'events/s': Math.round(backlog.expected.size / seconds), 'jobs/s': Math.round(jobs / seconds),
  'failed or left': failed, 'exactly once': once.ok ? `yes (${once.rows} events)` : `NO: ${once.missing} missing, ${once.unexpected} unexpected, ${once.duplicated} twice`,
});
let ok = true;
let startupNote = 'not run';
try {
  for (const peer of PEERS) {
    if (peer === 'wahook') {
      const env = { WAHOOK_WORKER_CONCURRENCY: String(CONCURRENCY), WAHOOK_DB_POOL_MAX: String(POOL) };
      const starts: number[] = [];
      for (let i = 0; i < 3; i++) starts.push(await workerStartup(backlog.base, env));
      const startup = starts.sort((a, b) => a - b)[1]!;
      const r = await drainWith(backlog, 1, true, env);
      const seconds = r.seconds - startup;
      results.wahook = { ...r, secondsWithStartup: r.seconds, startupSeconds: startup, seconds, eventsPerSecond: r.events / seconds, deliveriesPerSecond: DELIVERIES / seconds };
      ok &&= r.exactlyOnce.ok && r.jobsLeft === 0;
      rows.push(row('wahook (1 worker)', seconds, r.events, r.jobsLeft, r.exactlyOnce));
      startupNote = `${startup.toFixed(2)} s of start-up (median of 3 starts on an empty schema) taken off its ${r.seconds.toFixed(2)} s`;
    } else {
      const r = peer === 'pg-boss' ? await viaPgBoss(backlog) : peer === 'bullmq' ? await viaBullMq(backlog) : null;
      if (r === null) throw new Error(`unknown peer "${peer}": wahook, pg-boss or bullmq`);
      results[peer] = r;
      ok &&= r.exactlyOnce.ok && r.failed === 0;
      rows.push(row(r.peer, r.seconds, r.jobs, r.failed, r.exactlyOnce));
    }
    process.stderr.write(`${peer} done\n`);
  }
} finally {
  await backlog.seeded.drop();
}
const conditions = {
  deliveries: DELIVERIES, distinctEvents: backlog.expected.size, concurrency: CONCURRENCY, postgresConnectionsPerConsumer: POOL,
  wahook: `one wahook worker process, worker.concurrency ${CONCURRENCY}, db-pool-max ${POOL}, worker.batchSize 500; one handler job per event; clock without start-up: ${startupNote}`,
  pgBoss: `pg-boss 10 in this process: ${CONCURRENCY} work() loops, batchSize ${BOSS_BATCH}, pollingIntervalSeconds 0.5, pool ${POOL} + ${POOL} for the inserts; one job per delivery`,
  bullMq: `BullMQ 6 in this process: one Worker, concurrency ${CONCURRENCY}, removeOnComplete; own redis-server with appendonly yes, appendfsync always; ${POOL} connections for the inserts; one job per delivery`,
  node: process.version, cpus: cpus().length,
};
printTable(`Queue peers: ${DELIVERIES} deliveries, ${backlog.expected.size} distinct events, ${CONCURRENCY} jobs in flight each`, rows);
if (hasFlag('json')) console.log(JSON.stringify({ conditions, results }, null, 2));
else for (const [k, v] of Object.entries(conditions)) if (typeof v === 'string') console.log(`${k}: ${v}`);
if (!ok) process.exitCode = 1;
