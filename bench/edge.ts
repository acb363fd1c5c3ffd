/**
 * Edge benchmark: the same load generator drives (a) bare node:http, (b) the
 * common Express receiver and (c) `wahook serve` on the embedded default, in
 * one run, and prints the ratios. Run alone on the machine:
 *   npm run bench:edge -- [--duration 10] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteDeliveryReader } from '../src/adapters/sqlite/delivery-reader.js';
import { SECRET, load, procStat, startChild, type LoadResult } from './lib.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
};
const DURATION = arg('duration', 10);
const WARMUP = arg('warmup', 3);
const ROUNDS = arg('rounds', 3);
const RATE = arg('rate', 5000);
const here = fileURLToPath(new URL('.', import.meta.url));
const bin = join(here, '..', '..', 'bin', 'wahook.js');

interface Target { name: string; script: string; args: string[]; env: Record<string, string> }

function targets(dataDir: string): Target[] {
  return [
    { name: 'bare node:http', script: join(here, 'servers', 'bare.js'), args: [], env: {} },
    { name: 'express', script: join(here, 'servers', 'express.js'), args: [], env: {} },
    {
      name: 'wahook serve',
      script: bin,
      args: ['serve', '--no-worker', '--log-level', 'warn'],
      env: { WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dataDir, WAHOOK_HOST: '127.0.0.1' },
    },
  ];
}

interface Row extends LoadResult { server: string; mode: string; cpuUsPerReq: number; peakRssMb: number; okIncludingWarmup: number }

async function measure(t: Target, port: number, mode: string, connections: number, rate?: number): Promise<Row> {
  const child = await startChild(t.script, t.args, { ...t.env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}/webhook`;
  try {
    const warm = await load(url, { connections, durationS: WARMUP, rate });
    const before = procStat(child.pid!);
    let peak = before.rssMb;
    const sampler = setInterval(() => (peak = Math.max(peak, procStat(child.pid!).rssMb)), 200);
    const r = await load(url, { connections, durationS: DURATION, rate });
    clearInterval(sampler);
    const after = procStat(child.pid!);
    return { ...r, server: t.name, mode, cpuUsPerReq: ((after.cpuMs - before.cpuMs) * 1000) / Math.max(1, r.total), peakRssMb: Math.max(peak, after.hwmMb), okIncludingWarmup: warm.ok + r.ok };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const rows: Row[] = [];
  let port = 43100;
  const durable: { acked: number; stored: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [mode, connections, rate] of [['c10', 10, undefined], ['c100', 100, undefined], [`rate${RATE}`, 20, RATE]] as const) {
      for (const t of targets('')) {
        const dataDir = mkdtempSync(join(tmpdir(), 'wahook-bench-'));
        const target = t.name === 'wahook serve' ? targets(dataDir)[2]! : t;
        const row = await measure(target, port++, mode, connections, rate);
        rows.push(row);
        if (t.name === 'wahook serve') {
          const reader = new SqliteDeliveryReader(dataDir);
          const stored = (await reader.counters()).stored ?? 0;
          await reader.close();
          durable.push({ acked: row.okIncludingWarmup, stored });
        }
        rmSync(dataDir, { recursive: true, force: true });
        process.stderr.write(`round ${round + 1} ${mode} ${t.name}: ${row.rps.toFixed(0)} req/s p99 ${row.p99} ms\n`);
      }
    }
  }
  const summary: Record<string, Record<string, number>> = {};
  for (const mode of new Set(rows.map((r) => r.mode))) {
    for (const server of new Set(rows.map((r) => r.server))) {
      const rs = rows.filter((r) => r.mode === mode && r.server === server);
      summary[`${mode} ${server}`] = {
        rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), p999: median(rs.map((r) => r.p999)),
        errors: rs.reduce((n, r) => n + r.errors + r.non2xx, 0), cpuUsPerReq: median(rs.map((r) => r.cpuUsPerReq)), peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)),
      };
    }
  }
  const ratio = (mode: string, a: string, b: string): number => summary[`${mode} ${a}`]!.rps! / summary[`${mode} ${b}`]!.rps!;
  const out = {
    conditions: { durationS: DURATION, warmupS: WARMUP, rounds: ROUNDS, rate: RATE, node: process.version, cpus: (await import('node:os')).cpus().length },
    summary,
    ratios: {
      c100_wahook_over_express: ratio('c100', 'wahook serve', 'express'),
      c100_wahook_over_bare: ratio('c100', 'wahook serve', 'bare node:http'),
      c10_wahook_over_express: ratio('c10', 'wahook serve', 'express'),
      c10_wahook_over_bare: ratio('c10', 'wahook serve', 'bare node:http'),
    },
    durability: { acked: durable.reduce((n, d) => n + d.acked, 0), stored: durable.reduce((n, d) => n + d.stored, 0) },
    rounds: rows,
  };
  console.log(JSON.stringify(out, null, 2));
}

await main();
