import { signCloudApi } from '../src/core/signature.js';
import { buildRequest } from '../src/loadgen/http-client.js';
import { benchMessageId, cloudTextMessage } from '../src/loadgen/payloads.js';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fire, isMain, numFlag, percentile, prepareStore, rssMb, SECRET, startServe, stopServe } from './lib.js';

export interface SoakOptions {
  readonly durationS: number;
  readonly rate: number;
  /** Length of each reported window: a minute in the full form. */
  readonly windowS: number;
  readonly connections: number;
  readonly log?: (line: string) => void;
}

export interface SoakWindow {
  readonly sent: number; readonly ok: number; readonly other: number; readonly unanswered: number;
  readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number;
  readonly rssMb: number;
  /** Where the RSS is: anonymous memory (heaps, SQLite page caches) and mapped files, and the main thread's V8 heap. */
  readonly memory: MemoryDetail;
}

export interface MemoryDetail { readonly anonMb: number; readonly fileMb: number; readonly shmemMb: number; readonly mainHeapMb: number; readonly externalMb: number; readonly dataFilesMb: Record<string, number> }

export interface SoakReport { readonly rssStartMb: number; readonly windows: SoakWindow[]; readonly exitCode: number | null }

/** `serve` (edge and worker) under a constant open-loop rate; per window: latency percentiles and the process's RSS at its end. */
export async function soak(o: SoakOptions): Promise<SoakReport> {
  const store = await prepareStore('sqlite');
  const serving = await startServe(store.env);
  const pid = serving.proc.child.pid!;
  const rssStartMb = Math.round(rssMb(pid));
  const windows: SoakWindow[] = [];
  let seq = 0;
  // At soak rates signing as it goes costs the generator little, and a prebuilt pool for the whole run would not fit in memory.
  const request = (): Buffer => {
    const body = cloudTextMessage({ id: benchMessageId(seq++), nowSec: Math.floor(Date.now() / 1000) });
    return buildRequest('127.0.0.1', '/webhook', { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(body, SECRET) }, body);
  };
  try {
    for (let w = 0; w < Math.ceil(o.durationS / o.windowS); w++) {
      const f = await fire(serving.port, { count: o.rate * o.windowS, rate: o.rate, connections: o.connections, request });
      const ok = f.statuses['200'] ?? 0;
      const window = {
        sent: f.sent, ok, other: f.sent - f.unanswered - ok, unanswered: f.unanswered,
        p50Ms: round(percentile(f.latencies, 0.5)), p99Ms: round(percentile(f.latencies, 0.99)), maxMs: round(percentile(f.latencies, 1)),
        rssMb: Math.round(rssMb(pid)),
        memory: await memoryDetail(pid, serving.port, store.dataDir),
      };
      windows.push(window);
      o.log?.(`window ${w + 1}: ${JSON.stringify(window)}`);
    }
    return { rssStartMb, windows, exitCode: await stopServe(serving) };
  } finally {
    await stopServe(serving, 'SIGKILL');
    await store.dispose();
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;

/**
 * Tells a leak from caches filling: RSS split by kind from /proc, the main
 * thread's heap from the gateway's own metrics, and the size of each data
 * file (SQLite page caches grow with the files they cache, up to their cap).
 */
async function memoryDetail(pid: number, port: number, dataDir: string): Promise<MemoryDetail> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  const metric = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0);
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
  const dataFilesMb: Record<string, number> = {};
  for (const f of readdirSync(dataDir)) {
    const st = statSync(join(dataDir, f));
    if (st.isFile() && st.size > 1 << 20) dataFilesMb[f] = Math.round(st.size / (1 << 20));
  }
  const mb = (bytes: number): number => Math.round(bytes / (1 << 20));
  return {
    anonMb: Math.round(kb('RssAnon') / 1024), fileMb: Math.round(kb('RssFile') / 1024), shmemMb: Math.round(kb('RssShmem') / 1024),
    mainHeapMb: mb(metric(metrics, 'wahook_nodejs_heap_size_used_bytes')), externalMb: mb(metric(metrics, 'wahook_nodejs_external_memory_bytes')),
    dataFilesMb,
  };
}

export function summary(o: SoakOptions, r: SoakReport): string {
  const p99 = r.windows.map((w) => w.p99Ms);
  const rss = r.windows.map((w) => w.rssMb);
  const lines = [
    `soak: ${o.durationS} s at ${o.rate} requests/s over ${o.connections} connections, reported per ${o.windowS} s`,
    `  RSS at start ${r.rssStartMb} MB, after each window ${Math.min(...rss)}-${Math.max(...rss)} MB (first ${rss[0]}, last ${rss.at(-1)}); p99 per window ${Math.min(...p99)}-${Math.max(...p99)} ms; exit code on SIGTERM ${r.exitCode}`,
    '',
    '| window | sent | 200 | other | unanswered | p50 ms | p99 ms | max ms | RSS MB | anon / file MB | main heap MB | data files MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  r.windows.forEach((w, i) => {
    const m = w.memory;
    const files = Object.entries(m.dataFilesMb).map(([f, n]) => `${f} ${n}`).join(', ');
    lines.push(`| ${i + 1} | ${w.sent} | ${w.ok} | ${w.other} | ${w.unanswered} | ${w.p50Ms} | ${w.p99Ms} | ${w.maxMs} | ${w.rssMb} | ${m.anonMb} / ${m.fileMb} | ${m.mainHeapMb} | ${files} |`);
  });
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const o: SoakOptions = { durationS: numFlag('duration', 1800), rate: numFlag('rate', 1000), windowS: numFlag('window', 60), connections: numFlag('connections', 20), log: (l) => console.error(l) };
  const r = await soak(o);
  console.log(summary(o, r));
  process.exitCode = r.windows.every((w) => w.ok === w.sent) && r.exitCode === 0 ? 0 : 1;
}
