import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from '../helpers/process.js';
import { startAwsJsonServer } from '../helpers/aws-json-server.js';
import { startSqs } from '../helpers/aws-local.js';
import { SECRET } from '../helpers/gateway.js';
import { eventFor } from '../helpers/lambda-events.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';

/** `import { receiveHandler, sqsHandler } from 'wahook/lambda'`, through the package's own exports map, in a process configured by its environment. */
test('the wahook/lambda export: receiveHandler and sqsHandler, configured from the environment on first use', async () => {
  const sqs = await startSqs();
  try {
    const queue = sqs.createQueue('export');
    const body = cloudTextBody('through the export');
    const event = eventFor('rest-api', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body });
    const script = `import { receiveHandler, sqsHandler } from 'wahook/lambda';
const r = await receiveHandler(${JSON.stringify(event)});
const s = await sqsHandler({ Records: [{ messageId: 'm1', body: 'not a delivery' }] });
process.stdout.write(JSON.stringify({ r, s, kinds: [typeof receiveHandler, typeof sqsHandler] }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', WAHOOK_APP_SECRET: SECRET, WAHOOK_QUEUE_URL: queue, WAHOOK_DATA_DIR: '/nonexistent-not-used', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_LAMBDA_FUNCTION_NAME: 'export' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0, err);
    const { r, s, kinds } = JSON.parse(out.slice(out.indexOf('{"r"'))) as { r: { statusCode: number }; s: { batchItemFailures: { itemIdentifier: string }[] }; kinds: string[] };
    assert.deepEqual(kinds, ['function', 'function']);
    assert.equal(r.statusCode, 200);
    assert.equal(sqs.messages('export').length, 1);
    assert.deepEqual(s.batchItemFailures, [{ itemIdentifier: 'm1' }], 'in a Lambda with no shared store the processing container refuses, and the record goes back');
  } finally {
    await sqs.close();
  }
});

/**
 * Runs `script` in a node of its own, with `env`, until it prints a line `imported`; then waits for `ready()` before
 * answering `go` on its stdin, and returns what it printed after `RESULT `.
 */
async function runAfterImport(script: string, env: Record<string, string>, ready: () => boolean): Promise<string> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('imported\n')) resolve();
    });
    void exited.then((code) => reject(new Error(`exited ${code} before its import: ${err}`)));
  });
  for (let waited = 0; !ready(); waited += 10) {
    assert.ok(waited < 10_000, 'the container did not start while the module loaded');
    await new Promise((r) => setTimeout(r, 10));
  }
  child.stdin.end('go\n');
  assert.equal(await exited, 0, err);
  // Log lines (a refused record, say) share stdout; the answer is the last thing written.
  return out.slice(out.lastIndexOf('RESULT ') + 'RESULT '.length);
}

const WAIT_FOR_GO = "await new Promise((r) => process.stdin.once('data', r));";

test('wahook/lambda/receive and wahook/lambda/process start their container while the module loads (the INIT), before any event', async () => {
  const sqs = await startSqs();
  const ssm = await startAwsJsonServer('AmazonSSM', {
    GetParameter: (input) => ({ Parameter: { Name: input.Name, Type: 'SecureString', Value: SECRET, Version: 1 } }),
  }, 'application/x-amz-json-1.1');
  try {
    const queue = sqs.createQueue('init');
    const body = cloudTextBody('started in INIT');
    const event = eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body });
    const env = { WAHOOK_APP_SECRET: 'ssm:/wahook/app-secret', WAHOOK_QUEUE_URL: queue, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_ENDPOINT_URL_SSM: ssm.endpoint, AWS_LAMBDA_FUNCTION_NAME: 'init' };
    const reads = (): number => ssm.calls.get('GetParameter') ?? 0;

    const received = await runAfterImport(`import { handler } from 'wahook/lambda/receive';
process.stdout.write('imported\\n');
${WAIT_FOR_GO}
process.stdout.write('RESULT ' + JSON.stringify(await handler(${JSON.stringify(event)})));`, env, () => reads() === 1);
    assert.equal((JSON.parse(received) as { statusCode: number }).statusCode, 200);
    assert.equal(reads(), 1, 'the secret was read once, while the module loaded, and not again for the event');
    assert.equal(sqs.messages('init').length, 1);

    const processed = await runAfterImport(`import { handler } from 'wahook/lambda/process';
process.stdout.write('imported\\n');
${WAIT_FOR_GO}
process.stdout.write('RESULT ' + JSON.stringify(await handler({ Records: [{ messageId: 'm1', body: 'not a delivery' }] })));`, env, () => reads() === 2);
    assert.deepEqual((JSON.parse(processed) as { batchItemFailures: unknown }).batchItemFailures, [{ itemIdentifier: 'm1' }]);
  } finally {
    await ssm.close();
    await sqs.close();
  }
});
