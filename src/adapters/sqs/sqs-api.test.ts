import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { startSqsDouble, type SqsDouble } from '../../../test/helpers/sqs-double.js';
import { credentialSource } from './credentials.js';
import { signRequest, type AwsCredentials } from './sigv4.js';
import { SqsApi, SqsError } from './sqs-api.js';

const KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const env = (endpoint: string, extra: Record<string, string> = {}): Record<string, string> => ({
  AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_SQS: endpoint, ...extra,
});

/** The SDK's signer, given node's own SHA-256, as the reference to compare with. */
class NodeSha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | Uint8Array) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: string | Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.h.digest();
  }
}

describe('SigV4 signing', () => {
  test('the get-vanilla example of the AWS signature test suite', () => {
    const h = signRequest({ method: 'GET', url: new URL('https://example.amazonaws.com/'), headers: {}, body: '', region: 'us-east-1', service: 'service', credentials: KEYS, now: new Date('2015-08-30T12:36:00Z') });
    assert.equal(h.authorization, 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });

  test('an SQS JSON call with a session token signs exactly as the SDK\'s signer does', async () => {
    const credentials: AwsCredentials = { ...KEYS, sessionToken: 'token/with+odd=chars' };
    const url = new URL('https://sqs.eu-west-1.amazonaws.com/');
    const body = JSON.stringify({ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', MessageBody: 'héllo  world' });
    const now = new Date('2026-03-01T10:20:30Z');
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' };
    const ours = signRequest({ method: 'POST', url, headers, body, region: 'eu-west-1', service: 'sqs', credentials, now });
    const sdk = await new SignatureV4({ credentials, region: 'eu-west-1', service: 'sqs', sha256: NodeSha256 as never, applyChecksum: false })
      .sign({ method: 'POST', protocol: 'https:', hostname: url.hostname, path: '/', headers: { ...headers, host: url.host }, body }, { signingDate: now });
    assert.equal(ours.authorization, sdk.headers.authorization);
    assert.equal(ours['x-amz-security-token'], 'token/with+odd=chars');
  });

  test('a query string is signed sorted and encoded, as the SDK\'s signer does', async () => {
    const url = new URL('https://sqs.eu-west-1.amazonaws.com/123456789012/q?Version=2012-11-05&Action=ReceiveMessage&b=x%20y&a=1*');
    const now = new Date('2026-03-01T10:20:30Z');
    const ours = signRequest({ method: 'GET', url, headers: {}, body: '', region: 'eu-west-1', service: 'sqs', credentials: KEYS, now });
    const sdk = await new SignatureV4({ credentials: KEYS, region: 'eu-west-1', service: 'sqs', sha256: NodeSha256 as never, applyChecksum: false })
      .sign({ method: 'GET', protocol: 'https:', hostname: url.hostname, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { host: url.host }, body: '' }, { signingDate: now });
    assert.equal(ours.authorization, sdk.headers.authorization);
  });
});

describe('SqsApi against the SQS test double', () => {
  let sqs: SqsDouble;
  let queue: string;
  before(async () => {
    sqs = await startSqsDouble();
    queue = sqs.createQueue('api').replace('sqs://', 'http://');
  });
  after(() => sqs.close());

  test('SendMessage and SendMessageBatch store the bodies sent; ReceiveMessage and DeleteMessageBatch take them out', async () => {
    const api = new SqsApi({ env: env(sqs.endpoint) });
    const one = await api.call<{ MessageId: string }>('SendMessage', { QueueUrl: queue, MessageBody: 'one' });
    const batch = await api.call<{ Successful: { Id: string }[] }>('SendMessageBatch', { QueueUrl: queue, Entries: [{ Id: '0', MessageBody: 'two' }, { Id: '1', MessageBody: 'three' }] });
    assert.equal(batch.Successful.length, 2);
    const got = await api.call<{ Messages: { MessageId: string; Body: string; ReceiptHandle: string }[] }>('ReceiveMessage', { QueueUrl: queue, MaxNumberOfMessages: 10 });
    assert.deepEqual(got.Messages.map((m) => m.Body).sort(), ['one', 'three', 'two']);
    assert.ok(got.Messages.some((m) => m.MessageId === one.MessageId));
    await api.call('DeleteMessageBatch', { QueueUrl: queue, Entries: got.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) });
    assert.equal(sqs.messages('api').length, 0);
    await api.close();
  });

  test('a service error is named as the SDK names it; 5xx answers are retried up to three attempts', async () => {
    const api = new SqsApi({ env: env(sqs.endpoint) });
    await assert.rejects(api.call('SendMessage', { QueueUrl: `${queue}-missing`, MessageBody: 'x' }), (e) => e instanceof SqsError && e.name === 'QueueDoesNotExist' && e.status === 400);
    sqs.failNext('SendMessage', 2);
    await api.call('SendMessage', { QueueUrl: queue, MessageBody: 'after two faults' });
    assert.equal(sqs.messages('api').at(-1)?.body, 'after two faults');
    sqs.failNext('SendMessage', 3);
    await assert.rejects(api.call('SendMessage', { QueueUrl: queue, MessageBody: 'three faults' }), (e) => e instanceof SqsError && e.status === 500);
    assert.ok(!sqs.messages('api').some((m) => m.body === 'three faults'));
    await api.close();
  });
});

/** A server that records each request and answers with what the test gives it. */
async function recorder(answer: (body: Record<string, unknown>) => unknown) {
  const seen: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer(JSON.parse(body) as Record<string, unknown>)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { seen, endpoint, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('SqsApi settings and checks', () => {
  test('endpoint, region and credentials come from the SDK\'s variables; each request is signed with them', async () => {
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const srv = await recorder((b) => ({ MessageId: 'm1', MD5OfMessageBody: md5(String(b.MessageBody)) }));
    try {
      const api = new SqsApi({ env: env(srv.endpoint, { AWS_SESSION_TOKEN: 'session' }) });
      await api.call('SendMessage', { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', MessageBody: 'signed' });
      const h = srv.seen[0]!.headers;
      assert.equal(h['x-amz-target'], 'AmazonSQS.SendMessage');
      assert.equal(h['x-amz-security-token'], 'session');
      assert.match(String(h.authorization), /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/sqs\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/);
      await api.close();
    } finally {
      await srv.close();
    }
    const bare = new SqsApi({ env: {} });
    assert.equal(bare.endpointFor('https://sqs.ap-south-1.amazonaws.com/123456789012/q').href, 'https://sqs.ap-south-1.amazonaws.com/');
    assert.equal(bare.regionFor('https://sqs.ap-south-1.amazonaws.com/123456789012/q'), 'ap-south-1');
    assert.equal(new SqsApi({ env: { AWS_REGION: 'eu-north-1' } }).regionFor('https://sqs.ap-south-1.amazonaws.com/123456789012/q'), 'eu-north-1');
  });

  test('every attempt of a call ends within its budget: an endpoint that takes connections and never answers fails the call in time, not after three full timeouts', async () => {
    const held: Socket[] = [];
    const mute = createTcpServer((sock) => void held.push(sock));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    try {
      const api = new SqsApi({ env: env(`http://127.0.0.1:${(mute.address() as { port: number }).port}`), budgetMs: 700 });
      const started = Date.now();
      await assert.rejects(api.call('SendMessage', { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', MessageBody: 'x' }), (e: Error & { code?: string }) => e.code === 'ETIMEDOUT');
      const took = Date.now() - started;
      assert.ok(took >= 650 && took < 2_000, `the call ended after ${took} ms`);
      await api.close();
    } finally {
      for (const sock of held) sock.destroy();
      mute.close();
    }
  });

  test('a stored body whose MD5 is not the one sent is an error, as in the SDK', async () => {
    const srv = await recorder(() => ({ MessageId: 'm1', MD5OfMessageBody: '0'.repeat(32) }));
    try {
      const api = new SqsApi({ env: env(srv.endpoint) });
      await assert.rejects(api.call('SendMessage', { QueueUrl: 'http://127.0.0.1/123456789012/q', MessageBody: 'x' }), (e) => e instanceof SqsError && e.name === 'InvalidChecksum');
      assert.equal(srv.seen.length, 1, 'not retried');
      await api.close();
    } finally {
      await srv.close();
    }
  });

  test('a 2xx that does not prove the message stored (no body, no message id, no MD5, a batch entry left out) is an error, never a sent message', async () => {
    const md5 = (x: string): string => createHash('md5').update(x).digest('hex');
    const answers: [string, (b: Record<string, unknown>) => unknown][] = [
      ['an empty body', () => undefined],
      ['an empty object', () => ({})],
      ['no MD5', () => ({ MessageId: 'm1' })],
      ['no message id', (b) => ({ MD5OfMessageBody: md5(String(b.MessageBody)) })],
    ];
    for (const [what, answer] of answers) {
      const srv = await recorder(answer);
      try {
        const api = new SqsApi({ env: env(srv.endpoint) });
        await assert.rejects(api.call('SendMessage', { QueueUrl: 'http://127.0.0.1/123456789012/q', MessageBody: 'x' }), (e) => e instanceof SqsError && e.name === 'InvalidChecksum', what);
        await api.close();
      } finally {
        await srv.close();
      }
    }
    const partial = await recorder((b) => {
      const [first] = b.Entries as { Id: string; MessageBody: string }[];
      return { Successful: [{ Id: first!.Id, MessageId: 'm1', MD5OfMessageBody: md5(first!.MessageBody) }], Failed: [] };
    });
    try {
      const api = new SqsApi({ env: env(partial.endpoint) });
      const entries = [{ Id: '0', MessageBody: 'a' }, { Id: '1', MessageBody: 'b' }];
      await assert.rejects(api.call('SendMessageBatch', { QueueUrl: 'http://127.0.0.1/123456789012/q', Entries: entries }), (e) => e instanceof SqsError && /entry 1 is neither/.test(e.message));
      await api.close();
    } finally {
      await partial.close();
    }
  });

  test('without keys in the environment the fallback chain answers; expiring credentials are fetched again', async () => {
    let calls = 0;
    const soon = (): Promise<AwsCredentials> => Promise.resolve({ ...KEYS, sessionToken: `t${++calls}`, expiration: new Date(Date.now() + 60_000) });
    const source = credentialSource({}, soon);
    assert.equal((await source()).sessionToken, 't1');
    assert.equal((await source()).sessionToken, 't2', 'a minute from expiry is too close: fetched again');
    let later = 0;
    const lasting = credentialSource({}, () => Promise.resolve({ ...KEYS, sessionToken: `l${++later}`, expiration: new Date(Date.now() + 3_600_000) }));
    await lasting();
    assert.equal((await lasting()).sessionToken, 'l1', 'cached while far from expiry');
    const fromEnv = credentialSource({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_SESSION_TOKEN: 'T' }, () => Promise.reject(new Error('not used')));
    assert.deepEqual(await fromEnv(), { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' });
    let failures = 0;
    const flaky = credentialSource({}, () => (failures++ === 0 ? Promise.reject(new Error('no role yet')) : Promise.resolve(KEYS)));
    await assert.rejects(flaky(), /no role yet/);
    assert.deepEqual(await flaky(), KEYS, 'a failed lookup is not cached');
  });
});
