import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { opensslAvailable, selfSigned } from '../../../test/helpers/tls.js';
import { HttpClient } from './http-client.js';

/**
 * A raw TCP server that answers each request with what `answer` writes, in
 * the pieces given, so that every way an HTTP/1.1 answer can arrive (split
 * anywhere, chunked, ended by the connection) is tried on the client.
 */
interface RawServer {
  readonly url: URL;
  readonly connections: Socket[];
  readonly requests: string[];
  answer: (socket: Socket, request: string) => void;
}

function startRaw(): Promise<RawServer & { server: Server }> {
  const state = {
    connections: [] as Socket[],
    requests: [] as string[],
    answer: (_s: Socket, _r: string): void => {},
  };
  const server = createServer((socket) => {
    state.connections.push(socket);
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      const request = buf.slice(0, end + 4 + length);
      buf = buf.slice(request.length);
      state.requests.push(request);
      state.answer(socket, request);
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve(Object.assign(state, { server, url: new URL(`http://127.0.0.1:${port}/`) }));
  }));
}

const lengthAnswer = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

/** Writes the pieces one event-loop turn apart, so the client reads them as separate chunks. */
async function inPieces(socket: Socket, text: string, cuts: number[]): Promise<void> {
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    socket.write(text.slice(at, cut));
    at = cut;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('HttpClient, the keep-alive HTTP/1.1 client the SQS adapter calls through', () => {
  let raw: Awaited<ReturnType<typeof startRaw>>;
  before(async () => {
    raw = await startRaw();
  });
  after(() => new Promise<void>((r) => {
    for (const s of raw.connections) s.destroy();
    raw.server.close(() => r());
  }));

  test('sends the method, path, headers and body as given; reads an answer by its length, split anywhere; reuses the connection', async () => {
    const client = new HttpClient();
    const before = raw.connections.length;
    raw.answer = (s, req) => void inPieces(s, lengthAnswer(`{"echo":${JSON.stringify(req.split('\r\n\r\n')[1])}}`, 'x-amzn-query-error: A;Sender\r\n'), [3, 20, 60]);
    const first = await client.post(new URL('/q?x=1', raw.url), { host: raw.url.host, 'content-length': '6', 'x-amz-target': 'AmazonSQS.SendMessage' }, 'hello!');
    assert.equal(first.status, 200);
    assert.deepEqual(JSON.parse(first.body), { echo: 'hello!' });
    assert.equal(first.headers['x-amzn-query-error'], 'A;Sender');
    assert.match(raw.requests.at(-1)!, /^POST \/q\?x=1 HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\ncontent-length: 6\r\nx-amz-target: AmazonSQS\.SendMessage\r\n\r\nhello!$/);
    const second = await client.post(raw.url, { 'content-length': '2' }, '{}');
    assert.equal(second.status, 200);
    assert.equal(raw.connections.length, before + 1, 'the second request went over the first one\'s connection');
    client.close();
  });

  test('a chunked answer, trailers included, and an answer ended by the connection closing', async () => {
    const client = new HttpClient();
    raw.answer = (s) => void inPieces(s, 'HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{"a":\r\nA\r\n"12345678}\r\n0\r\nx-trailer: 1\r\n\r\n', [40, 52, 60, 75]);
    const chunked = await client.post(raw.url, { 'content-length': '0' }, '');
    assert.deepEqual([chunked.status, chunked.body], [400, '{"a":"12345678}']);
    raw.answer = (s) => void inPieces(s, 'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/html\r\n\r\n<html>busy</html>', [30]).then(() => s.end());
    const ended = await client.post(raw.url, { 'content-length': '0' }, '');
    assert.deepEqual([ended.status, ended.body], [503, '<html>busy</html>']);
    client.close();
  });

  test('the status line and the connection and transfer-encoding lists are read as HTTP/1.1 defines them', async () => {
    const client = new HttpClient();
    // HTTP/1.0 and a status without a reason phrase; `Connection: keep-alive, Close` (any case) ends the connection.
    raw.answer = (s) => void s.write('HTTP/1.0 201\r\nConnection: keep-alive, Close\r\ncontent-length: 2\r\n\r\n{}');
    const count = raw.connections.length;
    const first = await client.post(raw.url, { 'content-length': '0' }, '');
    assert.deepEqual([first.status, first.body], [201, '{}']);
    // A transfer-encoding list ending in chunked is chunked; a `closed` token is not `close`, so the connection is kept.
    raw.answer = (s) => void s.write('HTTP/1.1 200 OK\r\nconnection: closed\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
    const second = await client.post(raw.url, { 'content-length': '0' }, '');
    assert.deepEqual([second.status, second.body], [200, 'ok']);
    assert.equal(raw.connections.length, count + 2, 'the first answer said close: a new connection for the second');
    const third = await client.post(raw.url, { 'content-length': '0' }, '');
    assert.equal(third.status, 200);
    assert.equal(raw.connections.length, count + 2, 'the second kept its connection');
    for (const line of ['HTTP/2 200 OK', 'HTTP/1.1 20 OK', 'HTTP/1.1 2000 OK', 'HTTP/1.1 2e2 OK', 'HTTP/1.1 +20 OK', 'HTTP/1.2 200 OK', 'ICY 200 OK']) {
      raw.answer = (s) => void s.write(`${line}\r\ncontent-length: 0\r\n\r\n`);
      await assert.rejects(client.post(raw.url, { 'content-length': '0' }, ''), (e: Error & { code?: string }) => e.code === 'ECONNRESET' && /not an HTTP\/1\.1 answer/.test(e.message), line);
    }
    client.close();
  });

  test('an answer head that never ends is refused once it passes 64 KiB, like a reset socket, and the next request gets a new connection', async () => {
    const client = new HttpClient();
    raw.answer = (s) => void inPieces(s, `HTTP/1.1 200 OK\r\n${'x-filler: 0123456789abcdef\r\n'.repeat(3000)}`, [40_000]);
    await assert.rejects(client.post(raw.url, { 'content-length': '0' }, ''), (e: Error & { code?: string }) => e.code === 'ECONNRESET' && /head longer than 65536 bytes/.test(e.message));
    raw.answer = (s) => s.write(lengthAnswer('{}'));
    const count = raw.connections.length;
    assert.equal((await client.post(raw.url, { 'content-length': '0' }, '')).status, 200);
    assert.equal(raw.connections.length, count + 1);
    client.close();
  });

  test('a connection that closes before the answer is an error coded like a reset socket; an idle one the server closed is replaced', async () => {
    const client = new HttpClient();
    raw.answer = (s) => s.end('HTTP/1.1 200 OK\r\ncontent-len');
    await assert.rejects(client.post(raw.url, { 'content-length': '0' }, ''), (e: Error & { code?: string }) => e.code === 'ECONNRESET');
    raw.answer = (s) => s.write(lengthAnswer('{}'));
    assert.equal((await client.post(raw.url, { 'content-length': '0' }, '')).status, 200);
    const server = raw.connections.at(-1)!;
    server.destroy();
    await new Promise((r) => setTimeout(r, 20));
    const count = raw.connections.length;
    assert.equal((await client.post(raw.url, { 'content-length': '0' }, '')).status, 200);
    assert.equal(raw.connections.length, count + 1, 'a new connection, not the closed one');
    client.close();
  });

  test('a connection that stays silent is given up after the timeout, coded as a timeout, and the next request takes a new one', async () => {
    const client = new HttpClient();
    raw.answer = () => undefined;
    const count = raw.connections.length;
    await assert.rejects(client.post(raw.url, { 'content-length': '0' }, '', 200), (e: Error & { code?: string }) => e.code === 'ETIMEDOUT');
    raw.answer = (s) => s.write(lengthAnswer('{}'));
    assert.equal((await client.post(raw.url, { 'content-length': '0' }, '', 200)).status, 200);
    assert.equal(raw.connections.length, count + 2, 'the silent connection is not reused');
    client.close();
  });

  test('a peer that takes the connection and never finishes the TLS handshake is given up after the timeout, coded as a timeout, also for a preconnect', async () => {
    const mute = createServer(() => undefined);
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const url = new URL(`https://127.0.0.1:${(mute.address() as { port: number }).port}/`);
    try {
      const client = new HttpClient();
      const started = Date.now();
      await assert.rejects(client.post(url, { 'content-length': '0' }, '', 300), (e: Error & { code?: string }) => e.code === 'ETIMEDOUT' && /no connection within 300 ms/.test(e.message));
      assert.ok(Date.now() - started < 5_000, 'not left waiting');
      client.preconnect(url, 300);
      await assert.rejects(client.post(url, { 'content-length': '0' }, '', 300), (e: Error & { code?: string }) => e.code === 'ETIMEDOUT', 'the stalled preconnect is dropped and the request times out on its own');
      // A preconnect with its own, longer limit is waited for only as long as the request's.
      client.preconnect(url, 10_000);
      const at = Date.now();
      await assert.rejects(client.post(url, { 'content-length': '0' }, '', 300), (e: Error & { code?: string }) => e.code === 'ETIMEDOUT');
      assert.ok(Date.now() - at < 1_500, `the request ended after ${Date.now() - at} ms, not at the preconnect's limit`);
      client.close();
    } finally {
      mute.close();
    }
  });

  test('preconnect opens the connection the first request then uses', async () => {
    const client = new HttpClient();
    const count = raw.connections.length;
    client.preconnect(raw.url);
    client.preconnect(raw.url);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(raw.connections.length, count + 1, 'one connection, however often asked');
    raw.answer = (s) => s.write(lengthAnswer('{"ok":true}'));
    assert.equal((await client.post(raw.url, { 'content-length': '0' }, '')).body, '{"ok":true}');
    assert.equal(raw.connections.length, count + 1);
    client.close();
  });

  test('a preconnect that fails is dropped: the request connects itself and reports its own error', async () => {
    const client = new HttpClient();
    const closed = await startRaw();
    const url = closed.url;
    await new Promise<void>((r) => closed.server.close(() => r()));
    client.preconnect(url);
    await assert.rejects(client.post(url, { 'content-length': '0' }, ''), (e: Error & { code?: string }) => e.code === 'ECONNREFUSED');
    client.close();
  });

  const openssl = opensslAvailable();
  test('HTTPS: the server\'s certificate is checked against the host name; one the process trusts is accepted; the idle connection lets the process exit', { skip: openssl.ok ? false : openssl.reason }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wahook-http-client-'));
    const tls = selfSigned(dir, 'sqs');
    const server = createTlsServer({ cert: tls.cert, key: tls.key }, (s) => {
      s.on('data', () => s.write(lengthAnswer('{"over":"tls"}')));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://localhost:${(server.address() as { port: number }).port}/`;
    try {
      const client = new HttpClient();
      await assert.rejects(client.post(new URL(url), { 'content-length': '0' }, ''), /self[- ]signed|certificate/i, 'an untrusted certificate is refused');
      client.close();
      // A trusted CA is read at process start (NODE_EXTRA_CA_CERTS), so the accepted case runs in a child,
      // which never closes its client: that it exits shows an idle connection holds no process open.
      const script = `import { HttpClient } from ${JSON.stringify(new URL('./http-client.js', import.meta.url).href)};
const c = new HttpClient(); c.preconnect(new URL(process.argv[1]));
const r = await c.post(new URL(process.argv[1]), { host: new URL(process.argv[1]).host, 'content-length': '2' }, '{}');
process.stdout.write(r.status + ' ' + r.body);`;
      const out = await new Promise<string>((resolve, reject) => execFile(process.execPath, ['--input-type=module', '-e', script, url], { env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.certPath } }, (e, stdout, stderr) => (e ? reject(new Error(`${e.message}${stderr}`)) : resolve(stdout))));
      assert.equal(out, '200 {"over":"tls"}');
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
