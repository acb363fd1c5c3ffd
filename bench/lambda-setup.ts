/**
 * What the Lambda benchmarks share: wahook's receiving function built as
 * `wahook build-lambda` builds it, the comparison handlers bundled the same
 * way (esbuild, minified), 256 signed Cloud API deliveries in function URL
 * events, and each function's environment against the SQS test double.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildLambda, lambdaTargetForThisNode, type BuiltFunction } from '../src/entry/cli/build-lambda.js';
import { signCloudApi } from '../src/core/signature.js';
import { cloudTextMessage } from '../src/loadgen/payloads.js';
import { packageRoot } from '../src/planner/shipped-prices.js';
import { unpack } from '../test/helpers/lambda-zip.js';
import { eventFor } from '../test/helpers/lambda-events.js';

const SECRET = 'bench-app-secret';

/** `wahook` is the receiving function as built for a plain node here, code cache included; `uncached` is the same function as shipped without one. */
export type Handler = 'wahook' | 'uncached' | 'bare' | 'express' | 'floor';

/** The comparison handlers' sources, in bench/servers; Express's CommonJS packages call require(), the others nothing. */
const SOURCES: Record<Exclude<Handler, 'wahook' | 'uncached'>, { file: string; require: boolean }> = {
  bare: { file: 'lambda-bare.ts', require: false },
  express: { file: 'lambda-express.ts', require: true },
  floor: { file: 'lambda-floor.ts', require: false },
};

function eventAt(i: number): unknown {
  const body = cloudTextMessage({ id: `wamid.bench.${process.pid}.${i}`, from: '16505551234', text: `bench ${i}`, name: 'Bench', nowSec: Math.floor(Date.now() / 1000) });
  return eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(body, SECRET) }, rawBody: body });
}

/**
 * A bundle of one of the bench's own handlers, built the way build-lambda builds wahook's. Only a bundle whose
 * packages call require() gets one: importing node:module for it would cost a bare handler a few percent.
 */
async function bundleHandler(source: { file: string; require: boolean }, dir: string): Promise<void> {
  await build({
    entryPoints: [join(packageRoot(), 'bench', 'servers', source.file)], bundle: true, platform: 'node', target: 'node20', format: 'esm', minify: true,
    outfile: join(dir, 'index.mjs'), logLevel: 'silent',
    ...(source.require ? { banner: { js: "import{createRequire as __r}from'node:module';const require=__r(import.meta.url);" } } : {}),
  });
}

export interface LambdaBundles {
  /** Each handler's directory: `index.mjs` (and wahook's chunks), `event.json`, `events.json`, and the runner given. */
  readonly dirs: Record<Handler, string>;
  /** Each handler's environment (no other variable is passed on). */
  readonly env: Record<Handler, Record<string, string>>;
  readonly built: BuiltFunction[];
}

/**
 * Builds every handler in `work`, each beside `runner.mjs` (the given text)
 * and the events, for a queue of the SQS double at `endpoint`. The code
 * cache is made for the node that will load it: a plain one by default, or
 * one started with the V8 flags Lambda's bootstrap sets for `lambdaMemoryMb`.
 */
export async function prepareLambdaBundles(work: string, endpoint: string, queue: string, runner: string, lambdaMemoryMb?: number): Promise<LambdaBundles> {
  const built = await buildLambda({ outDir: join(work, 'zips'), codeCache: lambdaMemoryMb === undefined ? { kind: 'here' } : lambdaTargetForThisNode(lambdaMemoryMb) });
  if (built[0]!.codeCacheBytes === 0) throw new Error(`the receiving function got no code cache: ${built[0]!.codeCacheNote}`);
  const uncached = await buildLambda({ outDir: join(work, 'zips-uncached'), codeCache: { kind: 'off' } });
  const dirs = { wahook: unpack(built[0]!.zipPath), uncached: unpack(uncached[0]!.zipPath), bare: join(work, 'bare'), express: join(work, 'express'), floor: join(work, 'floor') };
  for (const [name, source] of Object.entries(SOURCES) as [Exclude<Handler, 'wahook' | 'uncached'>, { file: string; require: boolean }][]) {
    mkdirSync(dirs[name]);
    await bundleHandler(source, dirs[name]);
  }
  // A cold start reads one event, as a runtime does; the warm runs' events are read after its answer.
  const events = Array.from({ length: 256 }, (_, i) => eventAt(i));
  for (const dir of Object.values(dirs)) {
    writeFileSync(join(dir, 'runner.mjs'), runner);
    writeFileSync(join(dir, 'event.json'), JSON.stringify(events[0]));
    writeFileSync(join(dir, 'events.json'), JSON.stringify(events));
  }
  const aws = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_ENDPOINT_URL_SQS: endpoint, AWS_LAMBDA_FUNCTION_NAME: 'bench' };
  const plain = { ...aws, APP_SECRET: SECRET, QUEUE_URL: queue.replace('sqs://', 'http://') };
  const wahook = { ...aws, WAHOOK_APP_SECRET: SECRET, WAHOOK_QUEUE_URL: queue };
  return {
    dirs,
    env: { wahook, uncached: wahook, bare: aws, express: plain, floor: plain },
    built,
  };
}
