/**
 * The receiving edge on the engines it scales out on, each `wahook serve --no-worker` in its own
 * process, driven by the lean generator in one run:
 *   rate       a constant `--rate` (5,000) requests/s for `--duration` (30) s over `--connections` (200),
 *              open loop (latency from each request's due time), on every engine of `--engines`;
 *              p50/p99/max, throughput, errors, CPU per request (wahook's processes and, when the database
 *              runs on this machine, its backends serving them) and, on PostgreSQL, the peak of the
 *              connections wahook held;
 *   ratio      closed loop at `--max-connections` (100) for `--max-duration` (10) s on every engine,
 *              and each engine's throughput over the embedded default's;
 *   processes  the same closed loop on PostgreSQL with `--processes 1` and then `--processes 2`.
 * Engines: `sqlite` (a temporary data dir), `postgres` (a migrated schema of its own), and `redis`
 * (the Redis Streams queue in front of that PostgreSQL, on a redis-server this script starts with
 * `appendonly yes` and `appendfsync always`; not in the default list). Run alone on the machine:
 *   npm run bench:scale-edge -- [--modes rate,ratio,processes] [--engines sqlite,postgres,redis]
 *     [--rate 5000] [--duration 30] [--connections 200] [--warmup 3] [--max-duration 10]
 *     [--max-connections 100] [--processes 0] [--db-pool-max 10] [--database-url postgres://…] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../src/compose.js';
import { loadConfig } from '../src/config/load.js';
import { edgeProcesses } from '../src/entry/cluster.js';
import { runLoad, type LoadReport } from '../src/loadgen/run.js';
import { signedRequestPool } from '../src/loadgen/payloads.js';
import { SECRET, arg, argText, hasFlag, printTable, startChild } from './lib.js';
import { freeTcpPort } from '../test/helpers/services.js';
import { benchSchema, connectionPeak, databaseUrl, startRedis, wahookBin } from './services.js';
import { backendPids, meterCpu, processTree } from './cpu.js';

const RATE = arg('rate', 5000);
const DURATION = arg('duration', 30);
const CONNECTIONS = arg('connections', 200);
const WARMUP = arg('warmup', 3);
const MAX_DURATION = arg('max-duration', 10);
const MAX_CONNECTIONS = arg('max-connections', 100);
// 0 leaves `serve` its own default (edgeProcesses: on a PostgreSQL server on this machine, one receiving process per two cores).
const PROCESSES = arg('processes', 0);
const POOL_MAX = arg('db-pool-max', 10);
const MODES = argText('modes', 'rate,ratio,processes').split(',');
const ENGINES = argText('engines', 'sqlite,postgres').split(',') as Engine[];
const BASE_URL = databaseUrl();
// The issue's target for the constant rate on PostgreSQL and Redis.
const P99_TARGET_MS = 15;

type Engine = 'sqlite' | 'postgres' | 'redis';

// Every run starts on an empty store, so one pool of unique deliveries serves them all. It is sized for
// the longest run at the rate, or at 30,000 req/s for the closed loops; a run that outgrows it re-sends
// deliveries, which are then rightly stored once (`wrapped` in the results says so).
const POOL_SIZE = Math.min(1_000_000, Math.max(RATE * (WARMUP + DURATION), 30_000 * (WARMUP + MAX_DURATION)));
const pool = signedRequestPool(POOL_SIZE, SECRET);

interface Server {
  readonly port: number;
  readonly pid: number;
  readonly applicationName: string | null;
  /** Deliveries the store holds, read after the server stopped; null where the bench cannot read them back. */
  stop(): Promise<number | null>;
}

async function start(engine: Engine, processes: number): Promise<Server> {
  const port = await freeTcpPort();
  const env = { WAHOOK_APP_SECRET: SECRET, WAHOOK_HOST: '127.0.0.1', PORT: String(port) };
  const args = ['serve', '--no-worker', '--log-level', 'warn'];
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'wahook-scale-edge-'));
    const child = await startChild(wahookBin, args, { ...env, WAHOOK_DATA_DIR: dir });
    return {
      port, pid: child.pid!, applicationName: null,
      stop: async () => {
        await stopChild(child);
        const stored = await storedIn(loadConfig({ flags: { 'data-dir': dir }, env: {} }));
        rmSync(dir, { recursive: true, force: true });
        return stored;
      },
    };
  }
  const schema = await benchSchema(BASE_URL, 'edge');
  const redis = engine === 'redis' ? await startRedis() : null;
  const pgArgs = ['--database-url', schema.url, '--db-schema', schema.schema, '--db-pool-max', String(POOL_MAX), ...(processes > 0 ? ['--processes', String(processes)] : [])];
  const child = await startChild(wahookBin, [...args, ...pgArgs, ...(redis ? ['--queue', redis.url] : [])], env).catch(async (e: unknown) => {
    await redis?.stop();
    await schema.drop();
    throw e;
  });
  return {
    port, pid: child.pid!, applicationName: schema.schema,
    stop: async () => {
      await stopChild(child);
      // Deliveries queued in Redis are not in PostgreSQL until a worker moves them: only PostgreSQL's own log is counted here.
      const stored = redis ? null : await storedIn(loadConfig({ flags: { 'database-url': BASE_URL, 'db-schema': schema.schema }, env: {} }));
      await redis?.stop();
      await schema.drop();
      return stored;
    },
  };
}

async function stopChild(child: import('node:child_process').ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
}

async function storedIn(config: ReturnType<typeof loadConfig>): Promise<number> {
  const log = await createEngine(config).openDeliveryLog();
  try {
    return (await log.edgeCounters()).stored;
  } finally {
    await log.close();
  }
}

/** Receiving processes a run has: what `--processes` says, else `serve`'s default for the engine. */
const processCount = (engine: Engine, asked: number): number =>
  edgeProcesses(loadConfig({ flags: engine === 'sqlite' ? {} : { 'database-url': BASE_URL, processes: String(asked) }, env: {} }));

interface Run {
  mode: string; engine: Engine; processes: number; connections: number; rate: number | null; seconds: number;
  rps: number; p50: number; p99: number; p999: number; max: number; sent: number; ok: number; errors: number;
  peakConnections: number | null; connectionLimit: number | null; acknowledged: number; stored: number | null; wrapped: boolean;
  /** CPU milliseconds per answered request of the run: wahook's processes, and PostgreSQL's backends serving them (null when not on this machine). */
  edgeCpuMsPerRequest: number; dbCpuMsPerRequest: number | null;
}

let cursor = 0;
const next = (): Buffer => pool.at(cursor++ % pool.size);

async function measure(mode: string, engine: Engine, processes: number, connections: number, rate: number | undefined, seconds: number): Promise<Run> {
  const server = await start(engine, processes);
  cursor = 0;
  let r: LoadReport;
  let warm: LoadReport;
  let peak: number | null = null;
  let edgeMs = 0;
  let dbMs: number | null = null;
  try {
    const load = (s: number): Promise<LoadReport> => runLoad({ host: '127.0.0.1', port: server.port, connections, durationMs: s * 1000, rate, next });
    warm = await load(WARMUP);
    const sampler = server.applicationName ? connectionPeak(BASE_URL, server.applicationName) : null;
    const edgePids = processTree(server.pid);
    const edgeCpu = await meterCpu(() => edgePids);
    const app = server.applicationName;
    const dbCpu = app === null ? null : await meterCpu(() => backendPids(BASE_URL, app));
    r = await load(seconds);
    edgeMs = (await edgeCpu.stop()) ?? 0;
    dbMs = dbCpu ? await dbCpu.stop() : null;
    peak = sampler ? await sampler.stop() : null;
  } catch (e) {
    await server.stop();
    throw e;
  }
  const stored = await server.stop();
  const n = processCount(engine, processes);
  const run: Run = {
    mode, engine, processes: n, connections, rate: rate ?? null, seconds,
    rps: r.rps, p50: r.latencyMs.p50, p99: r.latencyMs.p99, p999: r.latencyMs.p999, max: r.latencyMs.max,
    sent: r.sent, ok: r.ok, errors: r.errors + r.non2xx,
    peakConnections: peak, connectionLimit: engine === 'sqlite' ? null : POOL_MAX * n,
    acknowledged: warm.ok + r.ok, stored, wrapped: cursor > pool.size,
    edgeCpuMsPerRequest: edgeMs / Math.max(1, r.ok), dbCpuMsPerRequest: dbMs === null ? null : dbMs / Math.max(1, r.ok),
  };
  const cpu = `cpu/req ${run.edgeCpuMsPerRequest.toFixed(3)}${run.dbCpuMsPerRequest === null ? '' : ` + db ${run.dbCpuMsPerRequest.toFixed(3)}`} ms`;
  process.stderr.write(`${mode.padEnd(9)} ${engine.padEnd(8)} x${n}  ${run.rps.toFixed(0).padStart(6)} req/s  p99 ${run.p99.toFixed(1)} ms  max ${run.max.toFixed(1)} ms  ${cpu}  errors ${run.errors}\n`);
  return run;
}

const runs: Run[] = [];
if (MODES.includes('rate')) for (const e of ENGINES) runs.push(await measure('rate', e, PROCESSES, CONNECTIONS, RATE, DURATION));
if (MODES.includes('ratio')) for (const e of ENGINES) runs.push(await measure('ratio', e, PROCESSES, MAX_CONNECTIONS, undefined, MAX_DURATION));
if (MODES.includes('processes')) for (const p of [1, 2]) runs.push(await measure('processes', 'postgres', p, MAX_CONNECTIONS, undefined, MAX_DURATION));

const rpsOf = (mode: string, pick: (r: Run) => boolean): number | undefined => runs.find((r) => r.mode === mode && pick(r))?.rps;
const ratios: Record<string, number> = {};
const embedded = rpsOf('ratio', (r) => r.engine === 'sqlite');
for (const e of ENGINES.filter((x) => x !== 'sqlite')) {
  const v = rpsOf('ratio', (r) => r.engine === e);
  if (embedded && v !== undefined) ratios[`${e} / sqlite, closed loop at ${MAX_CONNECTIONS} connections`] = v / embedded;
}
const one = rpsOf('processes', (r) => r.processes === 1);
const two = rpsOf('processes', (r) => r.processes === 2);
if (one && two) ratios[`postgres 2 processes / 1, closed loop at ${MAX_CONNECTIONS} connections`] = two / one;

printTable('Receiving edge by engine (wahook serve --no-worker; latency in ms)', runs.map((r) => ({
  mode: r.mode === 'rate' ? `${r.rate}/s open loop, ${r.connections} conn` : `closed loop, ${r.connections} conn`,
  engine: r.engine, processes: r.processes, 'req/s': Math.round(r.rps), p50: r.p50,
  p99: r.mode === 'rate' ? `${r.p99.toFixed(2)} (${r.p99 <= P99_TARGET_MS ? 'within' : 'over'} ${P99_TARGET_MS})` : r.p99, max: r.max, errors: r.errors,
  'peak conns': r.peakConnections === null ? '-' : `${r.peakConnections} of ${r.connectionLimit}`,
  'cpu ms/req (edge + db)': `${r.edgeCpuMsPerRequest.toFixed(3)} + ${r.dbCpuMsPerRequest === null ? '-' : r.dbCpuMsPerRequest.toFixed(3)}`,
  'acked/stored': `${r.acknowledged}/${r.stored ?? '-'}${r.wrapped ? ' (pool wrapped)' : ''}`,
})));
printTable('Ratios of throughput, same run', Object.entries(ratios).map(([k, v]) => ({ ratio: k, value: v })));
if (hasFlag('json')) {
  console.log(JSON.stringify({
    conditions: { p99TargetMsAtRate: P99_TARGET_MS, rate: RATE, durationS: DURATION, connections: CONNECTIONS, warmupS: WARMUP, maxDurationS: MAX_DURATION, maxConnections: MAX_CONNECTIONS, dbPoolMax: POOL_MAX, processesAsked: PROCESSES, worker: 'off (--no-worker)', node: process.version, cpus: cpus().length },
    runs, ratios,
  }, null, 2));
}
if (runs.some((r) => r.peakConnections !== null && r.connectionLimit !== null && r.peakConnections > r.connectionLimit)) process.exitCode = 1;
