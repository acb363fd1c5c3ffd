import assert from 'node:assert/strict';
import { STATUS_CODES } from 'node:http';
import { test } from 'node:test';
import { loadFixture } from '../../../test/helpers/fixtures.js';
import { CODES } from '../../core/errors.js';
import { fromLambdaEvent, REASONS, toLambdaResult } from './http-event.js';

const fixture = (name: string): Record<string, unknown> => structuredClone(loadFixture(`lambda/${name}.json`)) as Record<string, unknown>;

test('each published event shape becomes the same request: method, path, every query value, lower-case headers, the body bytes', () => {
  const url = fromLambdaEvent(fixture('function-url'));
  assert.equal(url.source, 'function-url');
  assert.deepEqual([url.request.method, url.request.path], ['POST', '/my/path']);
  assert.equal(url.request.query, 'parameter1=value1&parameter1=value2&parameter2=value', 'the raw query lists both values, where queryStringParameters comma-joins them');
  assert.equal(url.request.headers.header2, 'value1,value2');
  assert.equal(Buffer.from(url.request.rawBody!).toString(), 'Hello from client!');

  assert.equal(fromLambdaEvent(fixture('function-url-null-body')).request.rawBody, null);

  const http = fromLambdaEvent(fixture('apigw-v2-http'));
  assert.deepEqual([http.source, http.request.method, http.request.path, http.request.rawBody], ['http-api', 'GET', '/', null]);

  const rest = fromLambdaEvent({ ...fixture('apigw-v1-rest'), multiValueQueryStringParameters: { 'hub.challenge': ['a b', 'c&d'] } });
  assert.equal(rest.source, 'rest-api');
  assert.equal(rest.request.query, 'hub.challenge=a%20b&hub.challenge=c%26d', 'decoded values are encoded again, every one kept');
  assert.equal(rest.request.headers['content-type'], 'application/json');
  assert.equal(rest.request.headers['x-forwarded-for'], '54.240.196.186, 54.182.214.83');
  assert.equal(Buffer.from(rest.request.rawBody!).toString(), '{\r\n\t"a": 1\r\n}');

  // An HTTP API sending payload 1.0 has the REST shape and a version, and keeps a named stage in `path`.
  const v1 = (path: string, stage: string) => fromLambdaEvent({ ...fixture('apigw-v1-rest'), version: '1.0', path, requestContext: { ...(fixture('apigw-v1-rest').requestContext as object), stage } }).request.path;
  assert.deepEqual([v1('/prod/webhook', 'prod'), v1('/webhook', '$default'), v1('/prod', 'prod'), v1('/production/webhook', 'prod')], ['/webhook', '/webhook', '/', '/production/webhook']);
  assert.equal(fromLambdaEvent({ ...fixture('apigw-v1-rest'), path: '/prod/webhook' }).request.path, '/prod/webhook', 'a REST API\'s path never holds its stage');

  const alb = fromLambdaEvent(fixture('alb-single-value'));
  assert.deepEqual([alb.source, alb.request.query, alb.request.headers['x-myheader']], ['alb', 'key=hello', '123']);
  const multi = fromLambdaEvent({ ...fixture('alb-multi-value'), multiValueQueryStringParameters: { k: ['a%20b', 'c'] }, multiValueHeaders: { 'X-Twice': ['1', '2'] } });
  assert.deepEqual([multi.source, multi.request.query, multi.request.headers['x-twice']], ['alb-multi-value', 'k=a%20b&k=c', ['1', '2']]);

  const b64 = fromLambdaEvent({ ...fixture('function-url'), body: Buffer.from([0xff, 0x00, 0xe2, 0x9c, 0x93]).toString('base64'), isBase64Encoded: true });
  assert.deepEqual([...b64.request.rawBody!], [0xff, 0x00, 0xe2, 0x9c, 0x93], 'bytes that are not UTF-8 survive base64');
});

test('an event that is not an HTTP request is refused with a stable code', () => {
  for (const bad of [null, 'x', {}, loadFixture('lambda/sqs-standard-attributes.json'), { ...fixture('function-url'), body: 42 }, { version: '2.0', requestContext: { http: {} } }]) {
    assert.throws(() => fromLambdaEvent(bad), (e) => (e as { code: string }).code === 'WAHOOK_ERR_LAMBDA_EVENT_UNSUPPORTED');
  }
});

test('answers take the source\'s shape: ALB a status description, multi-value ALB only multi-value headers', () => {
  const r = { status: 415, headers: { 'content-type': 'application/json', 'content-length': '2' }, body: '{}' };
  assert.deepEqual(toLambdaResult('http-api', r), { statusCode: 415, body: '{}', isBase64Encoded: false, headers: { 'content-type': 'application/json' } });
  assert.equal(toLambdaResult('alb', r).statusDescription, '415 Unsupported Media Type');
  assert.deepEqual(toLambdaResult('alb-multi-value', r).multiValueHeaders, { 'content-type': ['application/json'] });
});

test('every status an error code answers has the reason phrase node:http gives it', () => {
  const statuses = new Set([200, ...Object.values(CODES).map((c) => c.httpStatus)]);
  for (const status of statuses) assert.equal(REASONS[status], STATUS_CODES[status], `status ${status}`);
  assert.equal(toLambdaResult('alb-multi-value', { status: 503, headers: {}, body: '' }).statusDescription, '503 Service Unavailable');
});
