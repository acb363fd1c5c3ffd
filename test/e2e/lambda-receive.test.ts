import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDeliveryDecoder } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import type { StoredDelivery } from '../../src/ports/delivery-log.js';
import type { DeliveryDecoder } from '../../src/ports/queued-delivery.js';
import { startReceiveContainer } from '../../src/entry/lambda/container.js';
import { createReceiveHandler, type ReceiveHandler } from '../../src/entry/lambda/receive.js';
import { restartable } from '../../src/entry/lambda/restartable.js';
import type { LambdaHttpResult } from '../../src/entry/lambda/http-event.js';
import { startS3, startSqs, type LocalS3 } from '../helpers/aws-local.js';
import { loadFixture } from '../helpers/fixtures.js';
import { SECRET, tempDir, VERIFY_TOKEN, WASENDER_SECRET } from '../helpers/gateway.js';
import { eventFor, type Source } from '../helpers/lambda-events.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import type { SqsDouble } from '../helpers/sqs-double.js';

const BUCKET = 'large-deliveries';
let sqs: SqsDouble;
let s3: LocalS3;
let handler: ReceiveHandler;
let decoder: DeliveryDecoder;
let queueName = 'receive';

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  WAHOOK_APP_SECRET: SECRET, WAHOOK_VERIFY_TOKEN: VERIFY_TOKEN, WAHOOK_WASENDER_SECRET: WASENDER_SECRET,
  WAHOOK_LARGE_DELIVERY_BUCKET: BUCKET, ...extra,
});
const codeOf = (r: LambdaHttpResult): string => (JSON.parse(r.body) as { error: { code: string } }).error.code;
const queued = () => sqs.messages(queueName);
/** The newest queued message as the processing side reads it back, through the queue's decoder. */
const lastQueued = (): Promise<StoredDelivery> => {
  const m = queued().at(-1)!;
  return decoder.decode({ id: m.id, body: m.body });
};
const SOURCES: Source[] = ['rest-api', 'http-api', 'function-url', 'alb', 'alb-multi-value'];

before(async () => {
  sqs = await startSqs();
  s3 = await startS3([BUCKET]);
  const url = sqs.createQueue(queueName);
  handler = createReceiveHandler(startReceiveContainer(env({ WAHOOK_QUEUE_URL: url })));
  decoder = openDeliveryDecoder(loadConfig({ env: env({ WAHOOK_QUEUE_URL: url }) }))!;
});
after(async () => {
  await sqs.close();
  await s3.close();
});

describe('receiveHandler behind every HTTP front door of a Lambda', () => {
  for (const source of SOURCES) {
    for (const base64 of [false, true]) {
      test(`${source}${base64 ? ', base64 body' : ''}: a signed delivery is queued with its exact bytes, then answered 200 in the source's shape`, async () => {
        const body = cloudTextBody(`via ${source} ✓ ünïcode`);
        const before = queued().length;
        const r = await handler(eventFor(source, { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body }, { base64 }));
        assert.equal(r.statusCode, 200);
        assert.equal(r.body, '{"status":"received"}');
        if (source === 'alb-multi-value') {
          assert.deepEqual(r.multiValueHeaders, { 'content-type': ['application/json'] });
          assert.equal(r.headers, undefined, 'a multi-value ALB answer carries multi-value headers only');
        } else assert.equal(r.headers?.['content-type'], 'application/json');
        if (source.startsWith('alb')) assert.equal(r.statusDescription, '200 OK');
        else assert.equal(r.statusDescription, undefined);
        assert.equal(queued().length, before + 1, 'queued before the answer');
        const m = await lastQueued();
        assert.ok(m.body.equals(body), 'the bytes the signature covers');
        assert.equal(m.headers['x-hub-signature-256'], signedHeaders(body, SECRET)['x-hub-signature-256']);
      });
    }
  }

  test('the GET handshake answers the challenge from each source\'s query form, including values ALB leaves encoded', async () => {
    const query = `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=a%20b%2Bc`;
    for (const source of SOURCES) {
      const r = await handler(eventFor(source, { method: 'GET', path: '/webhook', query, headers: {}, rawBody: null }));
      assert.deepEqual([r.statusCode, r.body], [200, 'a b+c'], source);
    }
    const bad = await handler(eventFor('http-api', { method: 'GET', path: '/webhook', query: 'hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1', headers: {}, rawBody: null }));
    assert.deepEqual([bad.statusCode, codeOf(bad)], [403, 'WAHOOK_ERR_HANDSHAKE_REJECTED']);
  });

  test('the published example events, unchanged, are refused with the server\'s codes in their own shapes', async () => {
    const rest = await handler(loadFixture('lambda/apigw-v1-rest.json'));
    assert.deepEqual([rest.statusCode, codeOf(rest)], [404, 'WAHOOK_ERR_HTTP_NOT_FOUND']);
    const http = await handler(loadFixture('lambda/apigw-v2-http.json'));
    assert.deepEqual([http.statusCode, codeOf(http)], [404, 'WAHOOK_ERR_HTTP_NOT_FOUND']);
    const url = await handler(loadFixture('lambda/function-url.json'));
    assert.deepEqual([url.statusCode, codeOf(url)], [404, 'WAHOOK_ERR_HTTP_NOT_FOUND']);
    const nullBody = await handler(loadFixture('lambda/function-url-null-body.json'));
    assert.deepEqual([nullBody.statusCode, codeOf(nullBody)], [404, 'WAHOOK_ERR_HTTP_NOT_FOUND']);
    const alb = await handler(loadFixture('lambda/alb-single-value.json'));
    assert.deepEqual([alb.statusCode, alb.statusDescription, codeOf(alb)], [404, '404 Not Found', 'WAHOOK_ERR_HTTP_NOT_FOUND']);
    const multi = await handler(loadFixture('lambda/alb-multi-value.json'));
    assert.deepEqual([multi.statusCode, multi.multiValueHeaders?.['content-type']], [404, ['application/json']]);
    const sqsEvent = await handler(loadFixture('lambda/sqs-fifo.json'));
    assert.deepEqual([sqsEvent.statusCode, codeOf(sqsEvent)], [400, 'WAHOOK_ERR_LAMBDA_EVENT_UNSUPPORTED']);
  });

  test('headers in any case, null headers, a null or absent body: the server\'s checks and codes', async () => {
    const body = cloudTextBody('shouting headers');
    const upper = { 'CONTENT-TYPE': 'application/json', 'X-HUB-SIGNATURE-256': signedHeaders(body, SECRET)['x-hub-signature-256'] };
    const e = eventFor('http-api', { method: 'POST', path: '/webhook', query: '', headers: {}, rawBody: body });
    const ok = await handler({ ...e, headers: { ...(e.headers as object), ...upper } });
    assert.equal(ok.statusCode, 200);
    const rest = eventFor('rest-api', { method: 'POST', path: '/webhook', query: '', headers: {}, rawBody: body });
    const nullHeaders = await handler({ ...rest, headers: null, multiValueHeaders: null });
    assert.deepEqual([nullHeaders.statusCode, codeOf(nullHeaders)], [415, 'WAHOOK_ERR_HTTP_MEDIA_TYPE']);
    const noBody = eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: null });
    delete noBody.body;
    const absent = await handler(noBody);
    assert.deepEqual([absent.statusCode, codeOf(absent)], [401, 'WAHOOK_ERR_SIGNATURE_INVALID']);
    const wrong = await handler(eventFor('alb', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, 'not-the-secret'), rawBody: body }));
    assert.deepEqual([wrong.statusCode, codeOf(wrong)], [401, 'WAHOOK_ERR_SIGNATURE_INVALID']);
  });

  test('an HTTP API stage other than $default is not part of the route', async () => {
    const body = cloudTextBody('staged');
    const e = eventFor('http-api', { method: 'POST', path: '/prod/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body });
    (e.requestContext as Record<string, unknown>).stage = 'prod';
    assert.equal((await handler(e)).statusCode, 200);
  });

  test('WASender deliveries and tenants route as on the server', async () => {
    const body = Buffer.from(JSON.stringify({ event: 'messages.upsert', timestamp: 1_800_000_000, data: { messages: { key: { id: 'W1', remoteJid: '1@s.whatsapp.net' }, message: { conversation: 'hi' } } } }));
    const r = await handler(eventFor('function-url', { method: 'POST', path: '/webhook/wasender', query: '', headers: { 'content-type': 'application/json', 'x-webhook-signature': WASENDER_SECRET }, rawBody: body }));
    assert.equal(r.statusCode, 200);
    assert.equal((await lastQueued()).provider, 'wasender');
    const unknown = await handler(eventFor('function-url', { method: 'POST', path: '/webhook/nobody', query: '', headers: signedHeaders(body, SECRET), rawBody: body }));
    assert.deepEqual([unknown.statusCode, codeOf(unknown)], [404, 'WAHOOK_ERR_TENANT_UNKNOWN']);
  });

  test('a 3 MB delivery goes to S3 first and the queued message points to it (claim check)', async () => {
    const body = cloudTextBody('z'.repeat(3 * 1024 * 1024));
    const r = await handler(eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body }, { base64: true }));
    assert.equal(r.statusCode, 200);
    assert.ok(queued().at(-1)!.body.length < 4096, 'the message carries a pointer, not the body');
    const m = await lastQueued();
    assert.ok(m.body.equals(body), 'read back from the bucket whole');
  });

  test('a queue that cannot take the delivery is a 503, and nothing is answered 200', async () => {
    const body = cloudTextBody('queue down');
    const before = queued().length;
    sqs.failNext('SendMessage', 10);
    const r = await handler(eventFor('http-api', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body }));
    sqs.failNext('SendMessage', 0);
    assert.deepEqual([r.statusCode, codeOf(r)], [503, 'WAHOOK_ERR_STORE_UNAVAILABLE']);
    assert.equal(queued().length, before);
  });

  test('a container without a secret, or in a Lambda without a queue, answers every request with its config error', async () => {
    const noSecret = createReceiveHandler(startReceiveContainer({ WAHOOK_QUEUE_URL: sqs.createQueue('x') }));
    const r = await noSecret(eventFor('http-api', { method: 'GET', path: '/healthz', query: '', headers: {}, rawBody: null }));
    assert.deepEqual([r.statusCode, codeOf(r)], [500, 'WAHOOK_ERR_CONFIG_INVALID']);
    await assert.rejects(startReceiveContainer(env({ AWS_LAMBDA_FUNCTION_NAME: 'receive' })), (e) => (e as { code: string }).code === 'WAHOOK_ERR_CONFIG_INVALID');
    await assert.rejects(startReceiveContainer(env({ WAHOOK_QUEUE_URL: 'amqp://localhost/q' })), (e) => (e as { code: string }).code === 'WAHOOK_ERR_CONFIG_INVALID');
  });

  test('a container whose start failed (secrets throttled) is started again by a later request, which is then queued', async () => {
    const url = sqs.createQueue('restarted');
    let starts = 0;
    let clock = 0;
    const start = () => (++starts === 1 ? Promise.reject(new Error('ThrottlingException: Rate exceeded')) : startReceiveContainer(env({ WAHOOK_QUEUE_URL: url })));
    const restarted = createReceiveHandler(restartable(start, 1_000, () => clock));
    const body = cloudTextBody('after a failed start');
    const post = () => restarted(eventFor('function-url', { method: 'POST', path: '/webhook', query: '', headers: signedHeaders(body, SECRET), rawBody: body }));
    assert.equal((await post()).statusCode, 500);
    clock = 500;
    assert.equal((await post()).statusCode, 500, 'not started again within a second of the last attempt');
    assert.equal(starts, 1);
    clock = 1_500;
    assert.equal((await post()).statusCode, 200);
    assert.deepEqual([starts, sqs.messages('restarted').length], [2, 1]);
    assert.equal((await post()).statusCode, 200, 'and kept');
    assert.equal(starts, 2);
  });

  test('a receiving function binds no address, so insecureSkipSignature takes the second key there whatever host says', async () => {
    const dir = tempDir('wahook-lambda-insecure-');
    const file = join(dir, 'config.json');
    const url = sqs.createQueue('insecure');
    const unsigned = cloudTextBody('unsigned');
    const post = eventFor('http-api', { method: 'POST', path: '/webhook', query: '', headers: { 'content-type': 'application/json' }, rawBody: unsigned });
    try {
      writeFileSync(file, JSON.stringify({ insecureSkipSignature: true }));
      for (const host of [{}, { WAHOOK_HOST: '127.0.0.1' }]) {
        await assert.rejects(startReceiveContainer({ WAHOOK_CONFIG: file, WAHOOK_QUEUE_URL: url, ...host }), (e) => {
          const { code, message } = e as { code: string; message: string };
          return code === 'WAHOOK_ERR_CONFIG_INVALID' && /"insecureSkipSignature".*(beyond-loopback|BeyondLoopback)/.test(message);
        }, JSON.stringify(host));
      }
      assert.equal(sqs.messages('insecure').length, 0);
      writeFileSync(file, JSON.stringify({ insecureSkipSignature: true, insecureSkipSignatureBeyondLoopback: true }));
      const meant = createReceiveHandler(startReceiveContainer({ WAHOOK_CONFIG: file, WAHOOK_QUEUE_URL: url }));
      assert.equal((await meant(post)).statusCode, 200, 'with both keys the operator said so');
      assert.equal(sqs.messages('insecure').length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
