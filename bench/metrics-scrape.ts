/**
 * Scrape benchmark: the edge's latency while /metrics is scraped during a
 * backlog, against the same backlog without scrapes.
 *
 * A data dir is seeded with `--deliveries` stored deliveries (100,000 by
 * default) and `wahook serve --no-worker` runs on it, so the backlog stays
 * whole for the run (`--worker` lets the worker drain it meanwhile instead).
 * The edge takes an open-loop load (`--rate` req/s over 20 connections)
 * in phases of `--duration` seconds: without scrapes, and with `--scrapes`
 * GETs a second spread over `--paths` (default /metrics). Phases alternate
 * (quiet, scraped, then scraped, quiet, …) for `--rounds` rounds after
 * `--warmup` seconds of load. Prints medians of the edge's p50/p99/p99.9 for
 * each kind of phase, the scrapes' own latency and the queue depth seen.
 *
 *   npm run build && node dist/bench/metrics-scrape.js [--deliveries 100000] [--rate 1000] [--scrapes 50]
 *     [--duration 10] [--warmup 3] [--rounds 3] [--paths /metrics,/api/live] [--worker] [--bin path/to/bin/wahook.js]
 *
 * `--bin` runs another build of wahook (an older checkout, for a before/after
 * in one sitting); the seeding and the load come from this one.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../src/compose.js';
import { loadConfig } from '../src/config/load.js';
import { runLoad, type LoadReport } from '../src/loadgen/run.js';
import { benchMessageId, cloudTextMessage, signedRequestPool } from '../src/loadgen/payloads.js';
import { arg, median, procStat, SECRET } from './lib.js';

const DELIVERIES = arg('deliveries', 100_000);
const RATE = arg('rate', 1000);
const SCRAPES = arg('scrapes', 50);
const DURATION = arg('duration', 10);
const WARMUP = arg('warmup', 3);
const ROUNDS = arg('rounds', 3);
const CONNECTIONS = 20;
const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
};
const PATHS = (option('paths') ?? '/metrics').split(',');
const WORKER = process.argv.includes('--worker');
const bin = option('bin') ?? join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'bin', 'wahook.js');
// Below the ephemeral port range, where client sockets could already hold it.
const PORT = 21_950;

async function seed(dir: string, count: number): Promise<void> {
  const store = await createEngine(loadConfig({ flags: { 'data-dir': dir }, env: {} })).openDeliveryStore();
  const now = Date.now();
  const nowSec = Math.floor(now / 1000);
  for (let i = 0; i < count; i += 1000) {
    const n = Math.min(1000, count - i);
    await Promise.all(Array.from({ length: n }, (_, k) => store.append({
      tenant: 'default', provider: 'cloud_api', receivedAt: now - count + i + k, headers: {},
      // Ids far from the load's, so no seeded delivery is a re-delivery of a request.
      body: cloudTextMessage({ id: benchMessageId(500_000_000 + i + k), nowSec }),
    })));
  }
  await store.close();
}

interface ScrapeReport { sent: number; ok: number; failed: number; p50: number; p99: number }

/** `perSecond` GETs a second over `paths`, on kept-alive connections as a scraper holds them, until `stop()`. */
function scrape(perSecond: number, stop: () => boolean): Promise<ScrapeReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  return new Promise((resolve) => {
    const finish = (): void => {
      agent.destroy();
      const sorted = latencies.sort((a, b) => a - b);
      const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
      resolve({ sent, ok, failed, p50: at(0.5), p99: at(0.99) });
    };
    const timer = setInterval(() => {
      if (stop()) {
        clearInterval(timer);
        const wait = setInterval(() => { if (inFlight === 0) { clearInterval(wait); finish(); } }, 10);
        return;
      }
      const started = performance.now();
      inFlight++;
      const req = request({ host: '127.0.0.1', port: PORT, path: PATHS[sent++ % PATHS.length], agent }, (res) => {
        res.resume();
        res.on('end', () => {
          inFlight--;
          latencies.push(performance.now() - started);
          if (res.statusCode === 200) ok++;
          else failed++;
        });
      });
      req.on('error', () => { inFlight--; failed++; });
      req.end();
    }, 1000 / perSecond);
  });
}

function queueDepth(): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: PORT, path: '/metrics', agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(Number(/^wahook_queue_depth (\d+)/m.exec(text)?.[1] ?? NaN)));
    }).on('error', reject).end();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'wahook-scrape-'));
process.stderr.write(`seeding ${DELIVERIES} deliveries…\n`);
await seed(dir, DELIVERIES);
const env = { ...process.env, WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dir, WAHOOK_HOST: '127.0.0.1', WAHOOK_LOG_LEVEL: 'warn', PORT: String(PORT) };
const child = fork(bin, ['serve', ...(WORKER ? [] : ['--no-worker'])], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
let peakRss = 0;
const sampler = setInterval(() => { try { peakRss = Math.max(peakRss, procStat(child.pid!).rssMb); } catch { /* exited */ } }, 200);
try {
  for (let up = false; !up;) {
    up = await fetch(`http://127.0.0.1:${PORT}/healthz`).then(() => true, () => false);
    if (!up) await new Promise((r) => setTimeout(r, 20));
  }
  const pool = signedRequestPool(Math.ceil(RATE * (WARMUP + 2 * ROUNDS * DURATION) * 1.1) + 1000, SECRET, '127.0.0.1', '/webhook', 20_000_000);
  let next = 0;
  const load = (seconds: number): Promise<LoadReport> => runLoad({ host: '127.0.0.1', port: PORT, connections: CONNECTIONS, durationMs: seconds * 1000, rate: RATE, next: () => pool.at(next++ % pool.size) });
  if (WARMUP > 0) await load(WARMUP);
  // One call of each path before measuring: the first starts the gateway's sampler thread.
  for (const path of PATHS) await fetch(`http://127.0.0.1:${PORT}${path}`).then((r) => r.arrayBuffer());
  const depthBefore = await queueDepth();
  const rows: { round: number; scraped: boolean; p50: number; p99: number; p999: number; rps: number; non2xx: number; errors: number; scrapes?: ScrapeReport }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const scraped of round % 2 === 0 ? [false, true] : [true, false]) {
      let done = false;
      const scrapes = scraped ? scrape(SCRAPES, () => done) : null;
      const r = await load(DURATION);
      done = true;
      const s = scrapes ? await scrapes : undefined;
      rows.push({ round: round + 1, scraped, p50: r.latencyMs.p50, p99: r.latencyMs.p99, p999: r.latencyMs.p999, rps: r.rps, non2xx: r.non2xx, errors: r.errors, ...(s ? { scrapes: s } : {}) });
      process.stderr.write(`round ${round + 1} ${scraped ? `${SCRAPES} scrapes/s` : 'no scrapes   '}  p50 ${r.latencyMs.p50.toFixed(2)} ms  p99 ${r.latencyMs.p99.toFixed(2)} ms  p99.9 ${r.latencyMs.p999.toFixed(2)} ms${s ? `  scrapes ok ${s.ok}/${s.sent}, p99 ${s.p99.toFixed(1)} ms` : ''}\n`);
    }
  }
  const depthAfter = await queueDepth();
  const of = (scraped: boolean) => {
    const rs = rows.filter((r) => r.scraped === scraped);
    return { p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), p999: median(rs.map((r) => r.p999)), rps: median(rs.map((r) => r.rps)), non2xx: rs.reduce((n, r) => n + r.non2xx, 0), errors: rs.reduce((n, r) => n + r.errors, 0) };
  };
  const quiet = of(false);
  const scraped = of(true);
  const scrapeRows = rows.flatMap((r) => (r.scrapes ? [r.scrapes] : []));
  console.log(JSON.stringify({
    conditions: { deliveries: DELIVERIES, worker: WORKER, edgeRate: RATE, edgeConnections: CONNECTIONS, scrapesPerSecond: SCRAPES, paths: PATHS, durationS: DURATION, warmupS: WARMUP, rounds: ROUNDS, bin, node: process.version },
    queueDepth: { before: depthBefore, after: depthAfter },
    edgeWithoutScrapes: quiet,
    edgeWithScrapes: scraped,
    p99Ratio: scraped.p99 / quiet.p99,
    scrapes: { sent: scrapeRows.reduce((n, s) => n + s.sent, 0), ok: scrapeRows.reduce((n, s) => n + s.ok, 0), failed: scrapeRows.reduce((n, s) => n + s.failed, 0), p50: median(scrapeRows.map((s) => s.p50)), p99: median(scrapeRows.map((s) => s.p99)) },
    peakRssMb: peakRss,
    rounds: rows,
  }, null, 2));
} finally {
  clearInterval(sampler);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
