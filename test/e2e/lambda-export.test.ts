import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from '../helpers/process.js';
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
