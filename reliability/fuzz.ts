import { signCloudApi } from '../src/core/signature.js';
import { buildRequest } from '../src/loadgen/http-client.js';
import { collectStats } from '../src/pipeline/stats.js';
import { http } from '../test/helpers/http.js';
import { openStores, until } from '../test/helpers/pipeline.js';
import { fire, isMain, numFlag, prepareStore, SECRET, sampleRss, startServe, stopServe } from './lib.js';
import { seededRandom as prng } from '../src/core/seeded-random.js';
import { mutatedPayload } from './mutate.js';

export interface FuzzOptions { readonly count: number; readonly seed: number; readonly rate: number; readonly connections: number }

export interface FuzzReport {
  readonly seed: number;
  readonly sent: number;
  readonly statuses: Record<string, number>;
  readonly unanswered: number;
  readonly fiveHundreds: number;
  readonly aliveAfter: boolean;
  /** Whether the worker took every stored mutant (none stuck it). */
  readonly drained: boolean;
  readonly deadLetters: number;
  readonly peakRssMb: number;
  readonly exitCode: number | null;
}

/**
 * Mutated valid deliveries, each signed after mutation so that it gets past
 * the signature check to the parsing behind it. None may get a 5xx or an
 * unanswered request; the stored ones must not stop the worker.
 */
export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const store = await prepareStore('sqlite');
  const serving = await startServe(store.env);
  const rss = sampleRss(serving.proc.child.pid!);
  const r = prng(o.seed);
  try {
    const f = await fire(serving.port, {
      count: o.count, rate: o.rate, connections: o.connections,
      request: (i) => {
        const body = mutatedPayload(r, i);
        return buildRequest('127.0.0.1', '/webhook', { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(body, SECRET) }, body);
      },
    });
    const aliveAfter = (await http(`http://127.0.0.1:${serving.port}/healthz`).catch(() => ({ status: 0 }))).status === 200;
    const stores = await openStores(store.config);
    let drained = true;
    let deadLetters = 0;
    try {
      const stats = () => collectStats(stores.log, stores.query, stores.jobs, Date.now());
      await until(async () => (await stats()).queueDepth === 0, 120_000, 'the worker to take every stored mutant').catch(() => (drained = false));
      deadLetters = (await stats()).deadLetters;
    } finally {
      await stores.close();
    }
    const peakRssMb = Math.round(Math.max(...rss.stop()));
    const fiveHundreds = Object.entries(f.statuses).filter(([s]) => s.startsWith('5')).reduce((n, [, c]) => n + c, 0);
    return { seed: o.seed, sent: f.sent, statuses: f.statuses, unanswered: f.unanswered, fiveHundreds, aliveAfter, drained, deadLetters, peakRssMb, exitCode: await stopServe(serving) };
  } finally {
    rss.stop();
    await store.dispose();
  }
}

export function summary(r: FuzzReport): string {
  return [
    `fuzzing: ${r.sent} mutated, signed deliveries (seed ${r.seed})`,
    `  answers by status: ${Object.entries(r.statuses).map(([s, n]) => `${s}: ${n}`).join(', ')}; unanswered ${r.unanswered}; 5xx ${r.fiveHundreds}`,
    `  process up after: ${r.aliveAfter}; worker took every stored mutant: ${r.drained}; dead letters ${r.deadLetters}; peak RSS ${r.peakRssMb} MB; exit code on SIGTERM ${r.exitCode}`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const r = await fuzz({ count: numFlag('count', 100_000), seed: numFlag('seed', Date.now() % 1_000_000), rate: numFlag('rate', 2000), connections: numFlag('connections', 20) });
  console.log(summary(r));
  process.exitCode = r.fiveHundreds === 0 && r.unanswered === 0 && r.aliveAfter && r.drained && r.exitCode === 0 ? 0 : 1;
}
