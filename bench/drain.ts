/**
 * Drain benchmark: 100,000 stored deliveries of a realistic mix (every
 * message followed by three statuses, some deliveries batched, 5% duplicates)
 * are turned into events. Three phases, one run:
 *   A. `wahook worker` alone drains the backlog: events/s and peak RSS.
 *   B. `wahook serve` drains the same backlog again (fresh data dir) while the
 *      edge takes an open-loop load; edge p99 during the drain.
 *   C. Baselines for B's p99: the same load on a fresh empty gateway for as
 *      long as B's drain took (both from process start), and the same load on
 *      B's gateway once drained.
 * Run alone on the machine:  npm run bench:drain -- [--deliveries 100000] [--rate 1000]
 */
import { fork } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../src/compose.js';
import { loadConfig } from '../src/config/load.js';
import type { Engine } from '../src/ports/engine.js';
import { runLoad } from '../src/loadgen/run.js';
import { signedRequestPool } from '../src/loadgen/payloads.js';
import { expectedKeys, mix, seed } from './backlog.js';
import { arg, procStat, SECRET } from './lib.js';

const DELIVERIES = arg('deliveries', 100_000);
const RATE = arg('rate', 1000);
const bin = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'bin', 'wahook.js');

const engineOf = (dir: string): Engine => createEngine(loadConfig({ flags: { 'data-dir': dir }, env: {} }));

/** Whether the worker has taken every delivery, and how many events it has made: two cheap reads through the ports. */
async function progressOf(dir: string): Promise<{ drained: boolean; events: number; close(): Promise<void> }> {
  const engine = engineOf(dir);
  const log = await engine.openDeliveryLog();
  const query = await engine.openEventQuery();
  const stats = await query.stats();
  const drained = (await log.read(stats.checkpoint, 1)).deliveries.length === 0;
  return { drained, events: stats.events, close: async () => { await query.close(); await log.close(); } };
}

async function drain(dir: string, args: string[], port: number | null, load: boolean, baselineMs = 0) {
  const env = { ...process.env, WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dir, WAHOOK_HOST: '127.0.0.1', WAHOOK_LOG_LEVEL: 'warn', ...(port ? { PORT: String(port) } : {}) };
  const child = fork(bin, args, { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let peakRss = 0;
  const sampler = setInterval(() => { try { peakRss = Math.max(peakRss, procStat(child.pid!).rssMb); } catch { /* exited */ } }, 100);
  const started = performance.now();
  let loadReport: Awaited<ReturnType<typeof runLoad>> | null = null;
  if (port) while (!(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 20));
  const pool = signedRequestPool(port ? 120_000 : 0, SECRET, '127.0.0.1', '/webhook', 10_000_000);
  let next = 0;
  // An empty gateway (the baseline) has nothing to drain: it takes the same load for `baselineMs`.
  const done = (drained: boolean): boolean => (baselineMs > 0 ? performance.now() - started >= baselineMs : drained);
  let drainedAt = 0;
  let eventsAtDrain = 0;
  const watch = (async () => {
    for (;;) {
      const c = await progressOf(dir);
      await c.close();
      if (done(c.drained)) {
        drainedAt = performance.now();
        eventsAtDrain = c.events;
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  if (load && port) {
    // One open-loop run for exactly as long as the drain lasts: p99 over every request it answered meanwhile.
    loadReport = await runLoad({ host: '127.0.0.1', port, connections: 20, durationMs: 600_000, rate: RATE, next: () => pool.at(next++ % pool.size), stop: () => drainedAt !== 0 });
  }
  await watch;
  const seconds = (drainedAt - started) / 1000;
  let baseline: Awaited<ReturnType<typeof runLoad>> | null = null;
  if (port && baselineMs === 0) baseline = await runLoad({ host: '127.0.0.1', port, connections: 20, durationMs: 10_000, rate: RATE, next: () => pool.at(next++ % pool.size) });
  clearInterval(sampler);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { seconds, events: eventsAtDrain, peakRssMb: peakRss, loadReport, baseline };
}

const { bodies } = mix(DELIVERIES);
// Duplicates carry no event of their own, and the cut tail's are not in the backlog.
const events = expectedKeys(bodies).size;
const seedDir = mkdtempSync(join(tmpdir(), 'wahook-drain-seed-'));
await seed(engineOf(seedDir), bodies);
const copy = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'wahook-drain-'));
  cpSync(seedDir, d, { recursive: true });
  return d;
};

const dirA = copy();
const a = await drain(dirA, ['worker'], null, false);
const dirB = copy();
const b = await drain(dirB, ['serve'], 21_900, true); // below the ephemeral port range
// The same load on a fresh gateway with nothing to drain, from its start and for as long as B's drain took:
// the fair baseline for B, since both include the process's first seconds (JIT warm-up, cold caches).
const dirC = mkdtempSync(join(tmpdir(), 'wahook-drain-empty-'));
const c = await drain(dirC, ['serve'], 21_901, true, b.seconds * 1000);
const result = {
  conditions: { deliveries: DELIVERIES, distinctEvents: events, edgeRate: RATE, edgeConnections: 20, node: process.version },
  workerAlone: { seconds: a.seconds, events: a.events, eventsPerSecond: a.events / a.seconds, peakRssMb: a.peakRssMb },
  serveWhileDraining: {
    seconds: b.seconds, events: b.events, eventsPerSecond: b.events / b.seconds, peakRssMb: b.peakRssMb,
    edgeDuringDrain: b.loadReport && { rps: b.loadReport.rps, p50: b.loadReport.latencyMs.p50, p99: b.loadReport.latencyMs.p99, p999: b.loadReport.latencyMs.p999, non2xx: b.loadReport.non2xx, errors: b.loadReport.errors },
    edgeNoBacklog: c.loadReport && { rps: c.loadReport.rps, p50: c.loadReport.latencyMs.p50, p99: c.loadReport.latencyMs.p99, p999: c.loadReport.latencyMs.p999, non2xx: c.loadReport.non2xx, errors: c.loadReport.errors },
    edgeAfterDrain: b.baseline && { rps: b.baseline.rps, p50: b.baseline.latencyMs.p50, p99: b.baseline.latencyMs.p99, p999: b.baseline.latencyMs.p999, non2xx: b.baseline.non2xx, errors: b.baseline.errors },
  },
};
console.log(JSON.stringify(result, null, 2));
for (const d of [seedDir, dirA, dirB, dirC]) rmSync(d, { recursive: true, force: true });
