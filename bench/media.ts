/**
 * Media benchmark: `count` media messages of `size` bytes each (1,000 of 1 MB by default), served by the
 * fake Graph API in a process of its own, are downloaded, verified and stored by `wahook serve` while its
 * edge takes an open-loop load of text webhooks. Two phases, each on a fresh gateway:
 *   A. downloads: the media webhooks are posted, then the load runs until every item is ready or failed;
 *      media/s, MB/s, the serve process's peak RSS and the edge's latency meanwhile.
 *   B. the same edge with no downloads: the same number of webhooks posted the same way, as texts, then
 *      the same load for as long as A's downloads took.
 * The target: the edge's p99 in A within 1.5x of its p99 in B.
 * Run alone on the machine:  npm run bench:media -- [--count 1000] [--size 1048576] [--rate 1000] [--media-concurrency 4]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../src/compose.js';
import { loadConfig } from '../src/config/load.js';
import { signCloudApi } from '../src/core/signature.js';
import { buildRequest, openConnection } from '../src/loadgen/http-client.js';
import { cloudTextMessage, signedRequestPool } from '../src/loadgen/payloads.js';
import { runLoad, type LoadReport } from '../src/loadgen/run.js';
import { arg, procStat, SECRET } from './lib.js';

const COUNT = arg('count', 1000);
const SIZE = arg('size', 1024 * 1024);
const RATE = arg('rate', 1000);
const MEDIA_CONCURRENCY = arg('media-concurrency', 4);
const CONNECTIONS = 20;
const here = fileURLToPath(new URL('.', import.meta.url));
const bin = join(here, '..', '..', 'bin', 'wahook.js');
const MB = 1024 * 1024;

interface Graph { url: string; hostPort: string; token: string; shas: string[] }

function startGraph(): Promise<{ child: ChildProcess; graph: Graph }> {
  const child = fork(join(here, 'servers', 'graph.js'), [String(COUNT), String(SIZE)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  // Meta's servers are not on the gateway's machine: here the fake one yields the CPU to the gateway, so the
  // edge's latency shows what the downloads cost wahook, not what serving them costs this machine.
  setPriority(child.pid!, 19);
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, graph: m as Graph }));
    child.once('exit', (code) => reject(new Error(`the fake Graph API exited with ${code}`)));
  });
}

const envelope = (message: object): Buffer => Buffer.from(JSON.stringify({
  object: 'whatsapp_business_account',
  entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' }, messages: [message] } }] }],
}));

/** The webhooks posted before the load: media messages (phase A) or texts of the same senders (phase B). */
function webhooks(graph: Graph, media: boolean): Buffer[] {
  const nowSec = Math.floor(Date.now() / 1000);
  return Array.from({ length: COUNT }, (_, i) => {
    const from = `1650555${String(i).padStart(4, '0')}`;
    const body = media
      ? envelope({ from, id: `wamid.media.${i}`, timestamp: String(nowSec), type: 'image', image: { id: `m${i}`, mime_type: 'image/jpeg', sha256: Buffer.from(graph.shas[i]!, 'hex').toString('base64') } })
      : cloudTextMessage({ id: `wamid.warm.${i}`, nowSec, from });
    return buildRequest('127.0.0.1', '/webhook', { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(body, SECRET) }, body);
  });
}

async function post(port: number, requests: Buffer[]): Promise<number> {
  const conns = await Promise.all(Array.from({ length: CONNECTIONS }, () => openConnection('127.0.0.1', port)));
  let next = 0;
  let ok = 0;
  await Promise.all(conns.map(async (c) => {
    while (next < requests.length) if ((await c.send(requests[next++]!)) === 200) ok++;
  }));
  for (const c of conns) c.close();
  return ok;
}

/** How many media items are settled (ready or failed), read through the engine's own port. */
async function settled(dir: string): Promise<{ ready: number; failed: number }> {
  const engine = createEngine(loadConfig({ flags: { 'data-dir': dir }, env: {} }));
  const index = await engine.openMediaIndex!();
  try {
    const [ready, failed] = [await index.list({ state: 'ready', limit: COUNT + 1 }), await index.list({ state: 'failed', limit: COUNT + 1 })];
    return { ready: ready.length, failed: failed.length };
  } finally {
    await index.close();
  }
}

const edge = (r: LoadReport | null): object | null => r && { rps: r.rps, p50: r.latencyMs.p50, p99: r.latencyMs.p99, p999: r.latencyMs.p999, max: r.latencyMs.max, non2xx: r.non2xx, errors: r.errors };

async function phase(graph: Graph, port: number, media: boolean, durationMs: number) {
  const dir = mkdtempSync(join(tmpdir(), media ? 'wahook-media-' : 'wahook-media-base-'));
  const env = {
    ...process.env, WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dir, WAHOOK_HOST: '127.0.0.1', PORT: String(port), WAHOOK_LOG_LEVEL: 'warn',
    WAHOOK_MEDIA: 'on', WAHOOK_ACCESS_TOKEN: graph.token, WAHOOK_GRAPH_URL: graph.url, WAHOOK_MEDIA_HOSTS: graph.hostPort, WAHOOK_MEDIA_CONCURRENCY: String(MEDIA_CONCURRENCY),
  };
  const child = fork(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let peakRss = 0;
  const sampler = setInterval(() => { try { peakRss = Math.max(peakRss, procStat(child.pid!).rssMb); } catch { /* exited */ } }, 100);
  while (!(await fetch(`http://127.0.0.1:${port}/healthz`).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 20));
  // Built before the clock starts, so building them is not counted.
  const requests = webhooks(graph, media);
  // Unique requests for three minutes at the rate (past that they repeat, and the edge answers repeats as duplicates).
  const pool = signedRequestPool(Math.min(RATE * 180, 200_000), SECRET, '127.0.0.1', '/webhook', media ? 50_000_000 : 60_000_000);
  let next = 0;
  let done = false;
  const started = performance.now();
  let seconds = 0;
  let result = { ready: 0, failed: 0 };
  // The load starts with the webhooks, and runs until the last download is settled (A) or as long as A's did (B).
  const load = runLoad({
    host: '127.0.0.1', port, connections: CONNECTIONS, durationMs: media ? 600_000 : durationMs, rate: RATE,
    next: () => pool.at(next++ % pool.size), stop: () => done,
  });
  const accepted = await post(port, requests);
  if (media) {
    for (;;) {
      result = await settled(dir);
      if (result.ready + result.failed >= COUNT) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    seconds = (performance.now() - started) / 1000;
    done = true;
  }
  const report = await load;
  clearInterval(sampler);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { accepted, seconds: media ? seconds : durationMs / 1000, result, peakRssMb: peakRss, report };
}

const { child: graphChild, graph } = await startGraph();
const a = await phase(graph, 21_910, true, 0);
const b = await phase(graph, 21_911, false, a.seconds * 1000);
graphChild.disconnect();
const p99Ratio = a.report.latencyMs.p99 / b.report.latencyMs.p99;
console.log(JSON.stringify({
  conditions: { count: COUNT, sizeBytes: SIZE, edgeRate: RATE, edgeConnections: CONNECTIONS, mediaConcurrency: MEDIA_CONCURRENCY, node: process.version },
  downloads: {
    webhooksAccepted: a.accepted, ready: a.result.ready, failed: a.result.failed, seconds: a.seconds,
    mediaPerSecond: a.result.ready / a.seconds, mbPerSecond: (a.result.ready * SIZE) / MB / a.seconds, peakRssMb: a.peakRssMb, edge: edge(a.report),
  },
  noDownloads: { webhooksAccepted: b.accepted, seconds: b.seconds, peakRssMb: b.peakRssMb, edge: edge(b.report) },
  p99Ratio,
  p99WithinTarget: p99Ratio <= 1.5,
}, null, 2));
