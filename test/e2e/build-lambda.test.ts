import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, unlinkSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { buildLambda, buildLambdaCommand, LAMBDA_RUNTIME, lambdaTargetForThisNode, type BuiltFunction } from '../../src/entry/cli/build-lambda.js';
import { parseArgs } from '../../src/entry/cli/args.js';
import { lambdaNodeFlags } from '../../src/entry/cli/code-cache.js';
import { openDeliveryDecoder } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { startSqs } from '../helpers/aws-local.js';
import { SECRET, tempDir } from '../helpers/gateway.js';
import { eventFor, sqsEventFor } from '../helpers/lambda-events.js';
import { invokeUnpacked, runUnpacked, unpack } from '../helpers/lambda-zip.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { projectRoot } from '../helpers/fixtures.js';
import type { SqsDouble } from '../helpers/sqs-double.js';

let out: string;
let built: BuiltFunction[];
let sqs: SqsDouble;
const pkg = JSON.parse(readFileSync(`${projectRoot()}/package.json`, 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

before(async () => {
  out = tempDir('wahook-build-');
  built = await buildLambda({ outDir: out });
  sqs = await startSqs();
});
after(async () => {
  await sqs.close();
  rmSync(out, { recursive: true, force: true });
});

test('one zip per function, each at most 1 MB, bundling no dev dependency and no better-sqlite3', () => {
  assert.deepEqual(built.map((b) => b.name), ['receive', 'process']);
  for (const b of built) {
    assert.ok(b.zipBytes <= 1024 * 1024, `${b.name}: ${b.zipBytes} bytes`);
    assert.equal(readFileSync(b.zipPath).length, b.zipBytes);
    assert.ok(!b.packages.includes('better-sqlite3'));
    for (const p of b.packages) assert.ok(!(p in pkg.devDependencies), `${b.name} bundles the dev dependency ${p}`);
    assert.ok(b.files.includes('index.mjs'));
  }
});

test('the receiving function\'s cold start loads no AWS SDK: S3, SSM, Secrets Manager and the engines are chunks loaded on first use', () => {
  const receive = built[0]!;
  assert.deepEqual(receive.entryPackages.filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/') || p === 'pg'), []);
  for (const p of ['@aws-sdk/client-s3', '@aws-sdk/client-ssm', '@aws-sdk/client-secrets-manager', '@aws-sdk/client-dynamodb', 'pg']) assert.ok(receive.packages.includes(p), `${p} is in the zip for the paths that need it`);
  assert.ok(receive.entryBytes < receive.bundleBytes / 4, `${receive.entryBytes} of ${receive.bundleBytes} bytes load at cold start`);
});

test('a cold start reads index.mjs alone: what it shares with the lazy chunks is folded into it, and they take it from there', () => {
  const dir = unpack(built[0]!.zipPath);
  try {
    const staticImports = (file: string): string[] => [...readFileSync(`${dir}/${file}`, 'utf8').matchAll(/(?:^|[;}\s])(?:import|export)\b[^;(]*?from\s*["']\.\/([^"']+)["']/g)].map((m) => m[1]!);
    assert.deepEqual(staticImports('index.mjs'), []);
    const lazy = built[0]!.files.filter((f) => f !== 'index.mjs');
    const shared = new Set(lazy.flatMap(staticImports));
    assert.ok(shared.size > 0, 'the lazy chunks share modules with the entry');
    for (const f of shared) {
      const text = readFileSync(`${dir}/${f}`, 'utf8');
      if (staticImports(f).includes('index.mjs')) assert.match(text, /^export \{[^}]+\} from '\.\/index\.mjs';\n$/, `${f} re-exports the entry's copy`);
    }
    assert.ok([...shared].some((f) => staticImports(f).includes('index.mjs')), 'some shared module now lives in index.mjs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the receiving zip, loaded alone in a fresh process, queues a signed delivery and answers 200', async () => {
  const dir = unpack(built[0]!.zipPath);
  const queue = sqs.createQueue('bundle');
  const body = cloudTextBody('from the bundle');
  const env = { WAHOOK_APP_SECRET: SECRET, WAHOOK_QUEUE_URL: queue, AWS_LAMBDA_FUNCTION_NAME: 'receive', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_SQS: sqs.endpoint };
  const r = (await invokeUnpacked(dir, eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body }), env)) as { statusCode: number; body: string };
  assert.deepEqual([r.statusCode, r.body], [200, '{"status":"received"}']);
  const [m] = sqs.messages('bundle');
  const delivery = await openDeliveryDecoder(loadConfig({ env: { WAHOOK_QUEUE_URL: queue } }))!.decode({ id: m!.id, body: m!.body });
  assert.ok(delivery.body.equals(body), 'the worker reads back the exact bytes');
  rmSync(dir, { recursive: true, force: true });
});

test('the processing zip refuses a SQLite store in a Lambda: every record goes back to the queue', async () => {
  const dir = unpack(built[1]!.zipPath);
  const env = { WAHOOK_QUEUE_URL: sqs.createQueue('bundle-process'), AWS_LAMBDA_FUNCTION_NAME: 'process', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_SQS: sqs.endpoint };
  const r = (await invokeUnpacked(dir, sqsEventFor('lambda/sqs-fifo.json', [{ id: 'r1', body: '{}' }]), env)) as { batchItemFailures: unknown[] };
  assert.deepEqual(r.batchItemFailures, [{ itemIdentifier: 'r1' }]);
  rmSync(dir, { recursive: true, force: true });
});

const receiveEnv = (queue: string): Record<string, string> => ({
  WAHOOK_APP_SECRET: SECRET, WAHOOK_QUEUE_URL: sqs.createQueue(queue), AWS_LAMBDA_FUNCTION_NAME: 'receive', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_SQS: sqs.endpoint,
});
const event = (text: string): unknown => {
  const body = cloudTextBody(text);
  return eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body });
};
const notUsed = (logged: string[]): string[] => logged.filter((l) => l.includes('code cache not used'));

/** Prints the stack at each read of an event's property by the receiving function: the frames of its own code. */
const STACK_PROBE = `const { handler } = await import('./index.mjs');
const event = new Proxy({}, { get: () => { process.stdout.write(new Error().stack + '\\n'); return undefined; } });
await handler(event);
process.exit(0);`;

test('a build here ships the receiving function with its code cache: a fresh node takes it and answers 200, and one with other V8 flags or no cache compiles, the first saying so', async () => {
  const dir = tempDir('wahook-build-cached-');
  try {
    const [receive] = await buildLambda({ outDir: dir, codeCache: { kind: 'here' } });
    assert.ok(receive!.codeCacheBytes > 0, String(receive!.codeCacheNote));
    for (const f of ['index.mjs', 'main.js', 'main.cache']) assert.ok(receive!.files.includes(f), f);
    assert.ok(receive!.zipBytes <= 1024 * 1024, `${receive!.zipBytes} bytes`);
    const unpacked = unpack(receive!.zipPath);
    const env = receiveEnv('bundle-cached');
    const taken = await runUnpacked(unpacked, event('cached'), env);
    assert.equal((taken.result as { statusCode: number }).statusCode, 200);
    assert.deepEqual(notUsed(taken.logged), []);
    const otherFlags = await runUnpacked(unpacked, event('other flags'), env, { nodeArgs: ['--expose-gc'] });
    assert.equal((otherFlags.result as { statusCode: number }).statusCode, 200);
    assert.equal(notUsed(otherFlags.logged).length, 1, otherFlags.logged.join('\n'));
    assert.equal(JSON.parse(notUsed(otherFlags.logged)[0]!).level, 'warn');
    // The stacks of main.js's own frames, taken where it reads an event: they name main.js as loaded, never the directory the cache was made in.
    const frames = execFileSync(process.execPath, ['--input-type=module', '-e', STACK_PROBE], { cwd: unpacked, env: { PATH: process.env.PATH ?? '', ...env } }).toString().split('\n').filter((l) => l.includes('main.js'));
    assert.ok(frames.length > 0, 'a frame in main.js');
    for (const frame of frames) assert.match(frame, /[ (]main\.js:\d+:\d+\)?$/);
    unlinkSync(`${unpacked}/main.cache`);
    const none = await runUnpacked(unpacked, event('no cache'), env);
    assert.equal((none.result as { statusCode: number }).statusCode, 200);
    assert.deepEqual(notUsed(none.logged), []);
    assert.deepEqual(sqs.messages('bundle-cached').map((m) => JSON.parse(Buffer.from(JSON.parse(m.body).body, 'base64').toString()).entry[0].changes[0].value.messages[0].text.body), ['cached', 'other flags', 'no cache']);
    rmSync(unpacked, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('by default the code cache is made for the Lambda runtime, and only by a node that matches it; elsewhere the zip has none and the build says why', () => {
  const [receive] = built;
  const matches = process.versions.node.split('.')[0] === LAMBDA_RUNTIME.name.replace(/\D/g, '') && process.arch === LAMBDA_RUNTIME.arch;
  if (matches) {
    assert.ok(receive!.codeCacheBytes > 0);
  } else {
    assert.equal(receive!.codeCacheBytes, 0);
    assert.ok(!receive!.files.includes('main.cache') && !receive!.files.includes('main.js'));
    assert.match(String(receive!.codeCacheNote), new RegExp(`${LAMBDA_RUNTIME.name} on ${LAMBDA_RUNTIME.arch} takes no cache from Node ${process.versions.node}`));
  }
});

test('build-lambda refuses a code cache target, memory size, runtime or architecture it does not know, before building', async () => {
  for (const argv of [['--code-cache', 'sometimes'], ['--memory', '64'], ['--runtime', 'python3.12'], ['--arch', 'mips']]) {
    await assert.rejects(buildLambdaCommand(parseArgs(['build-lambda', '--out', `${out}/never`, ...argv]), () => {}), { code: 'WAHOOK_ERR_CLI_USAGE' }, argv.join(' '));
  }
});

test('a cache made for a Lambda runtime is primed under the V8 flags its bootstrap sets for the memory size: a node started with them takes it, a plain one does not', async () => {
  const dir = tempDir('wahook-build-for-lambda-');
  try {
    // This machine stands in for the runtime it runs: its own Node major and architecture.
    const [receive] = await buildLambda({ outDir: dir, codeCache: lambdaTargetForThisNode(256) });
    assert.ok(receive!.codeCacheBytes > 0, String(receive!.codeCacheNote));
    const unpacked = unpack(receive!.zipPath);
    const env = receiveEnv('bundle-lambda-flags');
    const asLambda = await runUnpacked(unpacked, event('as lambda'), env, { nodeArgs: lambdaNodeFlags(256) });
    assert.equal((asLambda.result as { statusCode: number }).statusCode, 200);
    assert.deepEqual(notUsed(asLambda.logged), []);
    const plain = await runUnpacked(unpacked, event('plain'), env);
    assert.equal((plain.result as { statusCode: number }).statusCode, 200);
    assert.equal(notUsed(plain.logged).length, 1);
    rmSync(unpacked, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
