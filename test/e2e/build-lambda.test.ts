import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { buildLambda, type BuiltFunction } from '../../src/entry/cli/build-lambda.js';
import { openDeliveryDecoder } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { startSqs } from '../helpers/aws-local.js';
import { SECRET, tempDir } from '../helpers/gateway.js';
import { eventFor, sqsEventFor } from '../helpers/lambda-events.js';
import { invokeUnpacked, unpack } from '../helpers/lambda-zip.js';
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
