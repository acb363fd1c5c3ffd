/**
 * Edge benchmark: one load generator drives (a) bare node:http, (b) the common
 * Express receiver and (c) `wahook serve` on the embedded default, in one run,
 * each in its own process, and prints medians and ratios. Run alone:
 *   npm run bench:edge -- [--duration 10] [--warmup 3] [--rounds 3] [--rate 5000] [--modes c100,rate5000]
 * Generators: wahook's own lean generator (prebuilt signed requests, open loop
 * for the constant rate), plus autocannon at 100 connections as a second opinion, fed from the same
 * prebuilt pool.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../src/compose.js';
import { loadConfig } from '../src/config/load.js';
import { runLoad } from '../src/loadgen/run.js';
import { signedRequestPool } from '../src/loadgen/payloads.js';
import { SECRET, arg, load as autocannonLoad, median, procStat, startChild } from './lib.js';

const DURATION = arg('duration', 10);
const WARMUP = arg('warmup', 3);
const ROUNDS = arg('rounds', 3);
const RATE = arg('rate', 5000);
const here = fileURLToPath(new URL('.', import.meta.url));
const SERVERS = ['bare node:http', 'express', 'wahook serve'] as const;
// Not in the default run. `--servers bare,express,wahook,minimal,thread` adds the floor of a verifying,
// durable receiver (bench/servers/minimal.ts) and wahook with its writer thread (`--store-writer thread`);
// `inline` adds wahook committing on its event loop, which is what `auto` already is below four cores.
const EXTRA_SERVERS = ['minimal receiver', 'thread-writer wahook', 'inline-writer wahook'] as const;
type ServerName = (typeof SERVERS)[number] | (typeof EXTRA_SERVERS)[number];
const isWahook = (s: ServerName): boolean => s === 'wahook serve' || s === 'thread-writer wahook' || s === 'inline-writer wahook';

function target(name: ServerName, dataDir: string): { script: string; args: string[]; env: Record<string, string> } {
  if (name === 'bare node:http') return { script: join(here, 'servers', 'bare.js'), args: [], env: {} };
  if (name === 'express') return { script: join(here, 'servers', 'express.js'), args: [], env: {} };
  if (name === 'minimal receiver') return { script: join(here, 'servers', 'minimal.js'), args: [], env: { WAHOOK_DATA_DIR: dataDir } };
  const wahook = { WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dataDir, WAHOOK_HOST: '127.0.0.1' };
  // The default server runs as configured out of the box (`auto`: commits on the event loop below four cores).
  const writer = name === 'thread-writer wahook' ? ['--store-writer', 'thread'] : name === 'inline-writer wahook' ? ['--store-writer', 'inline'] : [];
  return { script: join(here, '..', '..', 'bin', 'wahook.js'), args: ['serve', '--no-worker', '--log-level', 'warn', ...writer], env: wahook };
}

interface Row { server: ServerName; mode: string; rps: number; p50: number; p99: number; p999: number; errors: number; cpuUsPerReq: number; generatorCpuUsPerReq: number; peakRssMb: number; acked: number; stored?: number }

// Unique within any one server run, so wahook never sees a byte-identical retry and "stored >= answered"
// checks durability: wahook peaked near 45k req/s here, so 60k per second of a run leaves room. (A pool of
// 400k wrapped within one run once the writer thread reached 44k req/s, and the re-sent requests were,
// rightly, stored once.)
// Capped at 1.5M requests (about 1 GB): a longer run reuses requests, and its durability line then counts them once.
const pool = signedRequestPool(Math.min(1_500_000, Math.max(400_000, (WARMUP + DURATION) * 60_000)), SECRET);
let cursor = 0;
const next = (): Buffer => pool.at(cursor++ % pool.size);

type Mode = { name: string; connections: number; rate?: number; generator: 'lean' | 'autocannon'; signEach?: boolean };
const ALL_MODES: Mode[] = [
  { name: 'c10', connections: 10, generator: 'lean' },
  { name: 'c100', connections: 100, generator: 'lean' },
  { name: `rate${RATE}`, connections: 20, rate: RATE, generator: 'lean' },
  { name: 'c100-autocannon', connections: 100, generator: 'autocannon' },
];
// Only on request (`--modes c100-autocannon,c100-autocannon-signing`): autocannon building and signing each
// request in its loop, as this bench did until it fed autocannon from the pool, to compare the two in one run.
const EXTRA_MODES: Mode[] = [{ name: 'c100-autocannon-signing', connections: 100, generator: 'autocannon', signEach: true }];
// `--modes c100,rate5000` runs a subset while iterating; the recorded runs use all of ALL_MODES.
const only = process.argv.indexOf('--modes');
const MODES = only === -1 ? ALL_MODES : [...ALL_MODES, ...EXTRA_MODES].filter((m) => process.argv[only + 1]!.split(',').includes(m.name));
// `--servers wahook` likewise measures one server alone (ratios then need the others from the same run).
const onlyServers = process.argv.indexOf('--servers');
const RUN_SERVERS: readonly ServerName[] = onlyServers === -1 ? SERVERS : [...SERVERS, ...EXTRA_SERVERS].filter((s) => process.argv[onlyServers + 1]!.split(',').some((w) => s.startsWith(w)));

async function drive(port: number, mode: Mode, seconds: number) {
  if (mode.generator === 'autocannon') {
    const r = await autocannonLoad(`http://127.0.0.1:${port}/webhook`, next, { connections: mode.connections, durationS: seconds, signEach: mode.signEach });
    return { rps: r.rps, p50: r.p50, p99: r.p99, p999: r.p999, errors: r.errors + r.non2xx, sent: r.total, ok: r.ok };
  }
  const r = await runLoad({ host: '127.0.0.1', port, connections: mode.connections, durationMs: seconds * 1000, rate: mode.rate, next });
  return { rps: r.rps, p50: r.latencyMs.p50, p99: r.latencyMs.p99, p999: r.latencyMs.p999, errors: r.errors + r.non2xx, sent: r.sent, ok: r.ok };
}

async function measure(server: ServerName, mode: Mode, port: number): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wahook-bench-'));
  const t = target(server, dataDir);
  const child = await startChild(t.script, t.args, { ...t.env, PORT: String(port) });
  try {
    const warm = await drive(port, mode, WARMUP);
    const before = procStat(child.pid!);
    let peak = before.rssMb;
    const sampler = setInterval(() => (peak = Math.max(peak, procStat(child.pid!).rssMb)), 200);
    // Both generators run in this process, so its CPU is the generator's: the share of the two cores the server did not get.
    const generatorCpu = process.cpuUsage();
    const r = await drive(port, mode, DURATION);
    const generator = process.cpuUsage(generatorCpu);
    clearInterval(sampler);
    const after = procStat(child.pid!);
    const row: Row = { server, mode: mode.name, rps: r.rps, p50: r.p50, p99: r.p99, p999: r.p999, errors: r.errors, cpuUsPerReq: ((after.cpuMs - before.cpuMs) * 1000) / Math.max(1, r.sent), generatorCpuUsPerReq: (generator.user + generator.system) / Math.max(1, r.sent), peakRssMb: Math.max(peak, after.hwmMb), acked: warm.ok + r.ok };
    return row;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (isWahook(server)) {
      const log = await createEngine(loadConfig({ flags: { 'data-dir': dataDir }, env: {} })).openDeliveryLog();
      (globalThis as { lastStored?: number }).lastStored = (await log.edgeCounters()).stored;
      await log.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
// Below the ephemeral range (32768–60999), where client sockets could already hold the port.
let port = 21100;
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of MODES) {
    for (const server of RUN_SERVERS) {
      const row = await measure(server, mode, port++);
      if (isWahook(server)) row.stored = (globalThis as { lastStored?: number }).lastStored;
      rows.push(row);
      process.stderr.write(`round ${round + 1} ${mode.name.padEnd(16)} ${server.padEnd(15)} ${row.rps.toFixed(0).padStart(6)} req/s  p99 ${row.p99.toFixed(1)} ms  cpu ${row.cpuUsPerReq.toFixed(0)} us/req  generator ${row.generatorCpuUsPerReq.toFixed(0)} us/req\n`);
    }
  }
}
const summary: Record<string, Record<string, number>> = {};
for (const mode of MODES) {
  for (const server of RUN_SERVERS) {
    const rs = rows.filter((r) => r.mode === mode.name && r.server === server);
    summary[`${mode.name} | ${server}`] = {
      rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), p999: median(rs.map((r) => r.p999)),
      errors: rs.reduce((n, r) => n + r.errors, 0), cpuUsPerReq: median(rs.map((r) => r.cpuUsPerReq)), generatorCpuUsPerReq: median(rs.map((r) => r.generatorCpuUsPerReq)), peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)),
    };
  }
}
const rps = (mode: string, server: ServerName): number => summary[`${mode} | ${server}`]!.rps!;
const ratios: Record<string, number> = {};
for (const mode of SERVERS.every((s) => RUN_SERVERS.includes(s)) ? MODES : []) {
  ratios[`${mode.name}: wahook / express`] = rps(mode.name, 'wahook serve') / rps(mode.name, 'express');
  ratios[`${mode.name}: wahook / bare`] = rps(mode.name, 'wahook serve') / rps(mode.name, 'bare node:http');
  for (const extra of EXTRA_SERVERS.filter((s) => RUN_SERVERS.includes(s))) {
    ratios[`${mode.name}: ${extra} / express`] = rps(mode.name, extra) / rps(mode.name, 'express');
    ratios[`${mode.name}: ${extra} / bare`] = rps(mode.name, extra) / rps(mode.name, 'bare node:http');
  }
}
const wahookRows = rows.filter((r) => isWahook(r.server));
console.log(JSON.stringify({
  conditions: { durationS: DURATION, warmupS: WARMUP, rounds: ROUNDS, rate: RATE, node: process.version, cpus: cpus().length },
  summary,
  ratios,
  durability: { acknowledged: wahookRows.reduce((n, r) => n + r.acked, 0), stored: wahookRows.reduce((n, r) => n + (r.stored ?? 0), 0) },
}, null, 2));
