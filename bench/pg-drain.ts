/**
 * The drain benchmark's backlog on PostgreSQL: seeded once into a schema of its own, copied into a
 * fresh schema for each run, and drained there by `wahook worker` processes; then every event key is
 * checked against the backlog's.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../src/compose.js';
import { loadConfig } from '../src/config/load.js';
import type { Engine } from '../src/ports/engine.js';
import { expectedKeys, exactlyOnce, mix, seed } from './backlog.js';
import { procStat, SECRET } from './lib.js';
import { benchSchema, connectionPeak, sql, wahookBin, type BenchSchema } from './services.js';

export const emptyHandlers = join(fileURLToPath(new URL('.', import.meta.url)), 'handlers', 'empty.js');

export const pgEngine = (url: string, schema: string): Engine =>
  createEngine(loadConfig({ flags: { 'database-url': url, 'db-schema': schema, 'db-pool-max': '4' }, env: {} }));

export interface PgBacklog {
  readonly base: string;
  readonly bodies: string[];
  readonly expected: Set<string>;
  readonly seeded: BenchSchema;
}

export async function seedBacklog(base: string, deliveries: number): Promise<PgBacklog> {
  const { bodies } = mix(deliveries);
  const seeded = await benchSchema(base, 'seed');
  await seed(pgEngine(base, seeded.schema), bodies);
  return { base, bodies, expected: expectedKeys(bodies), seeded };
}

/** A fresh schema holding the seeded deliveries and edge counters, as if the edge had just taken them. */
async function copyBacklog(b: PgBacklog, label: string): Promise<BenchSchema> {
  const to = await benchSchema(b.base, label);
  const from = b.seeded.schema;
  await sql(b.base, `INSERT INTO "${to.schema}".deliveries SELECT * FROM "${from}".deliveries`);
  await sql(b.base, `INSERT INTO "${to.schema}".counters SELECT * FROM "${from}".counters ON CONFLICT DO NOTHING`);
  await sql(b.base, `SELECT setval(pg_get_serial_sequence('"${to.schema}".deliveries', 'id'), (SELECT max(id) FROM "${to.schema}".deliveries))`);
  return to;
}

export interface DrainResult {
  workers: number;
  handlers: boolean;
  seconds: number;
  events: number;
  eventsPerSecond: number;
  deliveriesPerSecond: number;
  peakConnections: number;
  /** The most connections the workers may open: their pool size times their number. */
  connectionLimit: number;
  peakRssMb: number;
  jobsLeft: number;
  exactlyOnce: ReturnType<typeof exactlyOnce>;
}

/** `workers` processes of `wahook worker` drain a copy of the backlog; the clock runs from their start to the last event (and job). */
export async function drainWith(b: PgBacklog, workers: number, handlers: boolean, extraEnv: Record<string, string> = {}): Promise<DrainResult> {
  const s = await copyBacklog(b, `drain${workers}`);
  const env: Record<string, string | undefined> = {
    ...process.env, WAHOOK_APP_SECRET: SECRET, DATABASE_URL: s.url, WAHOOK_DB_SCHEMA: s.schema, WAHOOK_LOG_LEVEL: 'warn',
    ...(handlers ? { WAHOOK_HANDLERS: emptyHandlers } : {}), ...extraEnv,
  };
  // The watcher connects under another name, so the peak counts the workers' connections only.
  const engine = pgEngine(b.base, s.schema);
  const log = await engine.openDeliveryLog();
  const query = await engine.openEventQuery();
  const connections = connectionPeak(b.base, s.schema);
  const started = performance.now();
  const children = Array.from({ length: workers }, () => fork(wahookBin, ['worker'], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, children.reduce((n, c) => n + procStat(c.pid!).rssMb, 0));
    } catch { /* a worker exited */ }
  }, 100);
  const jobsLeft = async (): Promise<number> => (await sql(b.base, `SELECT count(*)::int AS n FROM "${s.schema}".jobs`)).rows[0].n as number;
  let events = 0;
  for (;;) {
    const stats = await query.stats();
    const drained = (await log.read(stats.checkpoint, 1)).deliveries.length === 0;
    if (drained && (!handlers || (await jobsLeft()) === 0)) {
      events = stats.events;
      break;
    }
    if (children.some((c) => c.exitCode !== null)) throw new Error('a worker exited before the backlog was drained');
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
  const peakConnections = await connections.stop();
  await query.close();
  await log.close();
  const keys = (await sql(b.base, `SELECT key FROM "${s.schema}".events`)).rows.map((r) => r.key as string);
  const left = await jobsLeft();
  await s.drop();
  return {
    workers, handlers, seconds, events, eventsPerSecond: events / seconds, deliveriesPerSecond: b.bodies.length / seconds,
    peakConnections, connectionLimit: workers * Number(env.WAHOOK_DB_POOL_MAX ?? 10), peakRssMb: peakRss, jobsLeft: left, exactlyOnce: exactlyOnce(b.expected, keys),
  };
}

/** One row of the summary table per drain. */
export const drainRow = (name: string, r: DrainResult): Record<string, string | number> => ({
  run: name, seconds: r.seconds, 'deliveries/s': Math.round(r.deliveriesPerSecond), 'events/s': Math.round(r.eventsPerSecond),
  'peak conns': `${r.peakConnections} of ${r.connectionLimit}`, 'peak RSS MB': Math.round(r.peakRssMb), 'jobs left': r.jobsLeft,
  'exactly once': r.exactlyOnce.ok ? `yes (${r.exactlyOnce.rows} events)` : `NO: ${r.exactlyOnce.missing} missing, ${r.exactlyOnce.unexpected} unexpected, ${r.exactlyOnce.duplicated} twice`,
});
