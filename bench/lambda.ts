/**
 * Cold start and warm duration of the receiving function, against a bare
 * handler, the least any receiving function does (bench/servers/lambda-floor.ts)
 * and the same flow as Express wrapped by serverless-http. Each is a bundle
 * (esbuild, minified) loaded by a fresh node process with nothing else in
 * reach; cold start is that process's time from its own start to the answer
 * of its first event (a signed Cloud API delivery through a function URL
 * event), with the SQS test double answering SendMessage on loopback. They
 * run interleaved, round by round. Warm duration is the time per event of
 * many events in one process. bench/lambda-instructions.ts counts the same
 * cold starts in instructions.
 *
 *   npm run bench:lambda -- --runs 30 --warm 2000
 *
 * Writes bench/results/lambda.json and prices/lambda-duration.json (what
 * `wahook cost` prices Lambda at by default: the warm duration, and the
 * cold start with its INIT part, loading the bundle, and its first event).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/planner/shipped-prices.js';
import { startSqsDouble } from '../test/helpers/sqs-double.js';
import { prepareLambdaBundles } from './lambda-setup.js';
import { arg, median } from './lib.js';

const runs = arg('runs', 30);
const warm = arg('warm', 2000);
const root = packageRoot();

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const round = (x: number): number => Math.round(x * 100) / 100;

// The moments are taken with process.hrtime and turned into time since the process started once the first answer
// is in: a first performance.now() loads Node's performance module, which would then be inside the measurement, for
// every handler, where a real runtime may never load it.
// Only the first event is read before the cold start: reading all of them there put the parse of 256 events into
// every handler's cold start, a constant that made every ratio to the bare handler look smaller than it is.
const RUNNER = `import { readFileSync } from 'node:fs';
const event = JSON.parse(readFileSync('./event.json', 'utf8'));
const n = Number(process.argv[2]);
const { handler } = await import('./index.mjs');
const loadedAt = process.hrtime.bigint();
const ctx = { getRemainingTimeInMillis: () => 30000 };
const first = await handler(event, ctx);
const coldAt = process.hrtime.bigint();
performance.now();
const nowAt = process.hrtime.bigint();
const sinceStart = performance.now();
const ms = (at) => sinceStart - Number(nowAt - at) / 1e6;
const loaded = ms(loadedAt);
const cold = ms(coldAt);
const events = n > 1 ? JSON.parse(readFileSync('./events.json', 'utf8')) : [];
const times = [];
for (let i = 1; i < n; i++) { const t = performance.now(); const r = await handler(events[i % events.length], ctx); times.push(performance.now() - t); if (r.statusCode !== 200) throw new Error('status ' + r.statusCode); }
process.stdout.write('RESULT ' + JSON.stringify({ status: first.statusCode, cold, loaded, times }) + '\\n');
`;

/** `cold`: the process's time from its own start to its first answer; `loaded`: to the bundle loaded (the INIT part). */
function run(dir: string, invocations: number, env: Record<string, string>): Promise<{ status: number; cold: number; loaded: number; times: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['runner.mjs', String(invocations)], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      // A refused code cache would time the compile the cache exists to skip, under the cached build's name.
      if (out.includes('code cache not used')) reject(new Error(`${dir}: V8 refused the code cache`));
      else if (code === 0 && line) resolve(JSON.parse(line.slice(7)));
      else reject(new Error(`${dir}: exit ${code}\n${err}`));
    });
  });
}

async function main(): Promise<void> {
  const sqs = await startSqsDouble({ maxMessageBytes: 262_144 });
  const work = mkdtempSync(join(tmpdir(), 'wahook-bench-lambda-'));
  try {
    const queue = sqs.createQueue('bench');
    const { dirs, env, built } = await prepareLambdaBundles(work, sqs.endpoint, queue, RUNNER);
    const names = ['wahook', 'uncached', 'bare', 'floor', 'express'] as const;
    const cold: Record<(typeof names)[number], number[]> = { wahook: [], uncached: [], bare: [], floor: [], express: [] };
    const splits = { wahook: { initMs: [] as number[], firstInvokeMs: [] as number[] }, uncached: { initMs: [] as number[], firstInvokeMs: [] as number[] } };
    for (let i = 0; i < runs; i++) {
      for (const name of names) {
        const r = await run(dirs[name], 1, env[name]);
        if (r.status !== 200) throw new Error(`${name} answered ${r.status}`);
        cold[name].push(r.cold);
        if (name === 'wahook' || name === 'uncached') {
          splits[name].initMs.push(r.loaded);
          splits[name].firstInvokeMs.push(r.cold - r.loaded);
        }
      }
      // The queue is only a sink here; keep the double's memory flat.
      sqs.messages('bench');
    }
    const warmRuns = { wahook: await run(dirs.wahook, warm, env.wahook), express: await run(dirs.express, warm, env.express) };
    const summary = (xs: number[]) => ({ median: round(median(xs)), p90: round(pct(xs, 0.9)), min: round(Math.min(...xs)), max: round(Math.max(...xs)) });
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      runs,
      warmInvocations: warm,
      zipBytes: Object.fromEntries(built.map((b) => [b.name, b.zipBytes])),
      codeCacheBytes: built[0]!.codeCacheBytes,
      coldStartMs: { wahook: summary(cold.wahook), uncached: summary(cold.uncached), bare: summary(cold.bare), floor: summary(cold.floor), express: summary(cold.express) },
      coldStartSplitMs: {
        wahook: { initMs: round(median(splits.wahook.initMs)), firstInvokeMs: round(median(splits.wahook.firstInvokeMs)) },
        uncached: { initMs: round(median(splits.uncached.initMs)), firstInvokeMs: round(median(splits.uncached.firstInvokeMs)) },
      },
      coldStartRatio: {
        toBare: round(median(cold.wahook) / median(cold.bare)), uncachedToBare: round(median(cold.uncached) / median(cold.bare)),
        floorToBare: round(median(cold.floor) / median(cold.bare)), expressToBare: round(median(cold.express) / median(cold.bare)),
      },
      warmMs: { wahook: summary(warmRuns.wahook.times), express: summary(warmRuns.express.times) },
      conditions: 'fresh node process per cold start, bundle loaded from a directory with no node_modules; wahook with its code cache made for a plain node, uncached without one; SQS SendMessage answered by the test double on loopback; function URL events',
    };
    const out = join(root, 'bench', 'results', 'lambda.json');
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    const planner = {
      source: 'bench/lambda.ts',
      date: result.date,
      node: result.node,
      runs: warm,
      receiveHandlerMs: { median: result.warmMs.wahook.median, p90: result.warmMs.wahook.p90 },
      // Priced without the code cache, which only a build on the runtime's own Node makes: the planner takes the case every deployment gets.
      coldStartMs: {
        median: result.coldStartMs.uncached.median, p90: result.coldStartMs.uncached.p90, ...result.coldStartSplitMs.uncached, runs, codeCache: false,
        withCodeCacheMedian: result.coldStartMs.wahook.median, bareMedian: result.coldStartMs.bare.median,
      },
      conditions: result.conditions,
    };
    writeFileSync(join(root, 'prices', 'lambda-duration.json'), `${JSON.stringify(planner, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await sqs.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
