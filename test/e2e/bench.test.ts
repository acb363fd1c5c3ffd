/**
 * `wahook bench` against the real edge (with a worker) and against a
 * receiver that acknowledges without storing: the JSON report adds up, the
 * answers are counted by status, --verify finds nothing lost against wahook
 * and finds the losses of the other, and the SVG chart is well formed.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/entry/cli/index.js';
import { createLogger } from '../../src/entry/logger.js';
import { runWorker } from '../../src/entry/run-worker.js';
import { SECRET, startGateway, tempDir, type TestGateway } from '../helpers/gateway.js';
import { opensslAvailable, selfSigned } from '../helpers/tls.js';

interface Run { code: number; out: string; err: string }

async function wahook(argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, env: {} });
  return { code, out, err };
}

const json = (r: Run): Record<string, any> => JSON.parse(r.out) as Record<string, any>;

/** Every tag closed in the order it was opened, and the document is one <svg> element. */
function assertWellFormedSvg(svg: string): void {
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/);
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
    if (m[3] === '/') continue;
    if (m[1] === '/') assert.equal(stack.pop(), m[2], `</${m[2]}> closes what was opened`);
    else stack.push(m[2]!);
  }
  assert.deepEqual(stack, []);
  assert.doesNotMatch(svg.replace(/&(amp|lt|gt|quot);/g, ''), /&/);
}

function assertConsistent(r: Record<string, any>): void {
  for (const k of ['sent', 'ok', 'byStatus', 'p50Ms', 'p90Ms', 'p99Ms', 'p999Ms', 'maxMs']) assert.ok(k in r, `${k} in the report`);
  assert.equal(r.sent, r.ok + r.errors);
  assert.equal(Object.values(r.byStatus as Record<string, number>).reduce((a, b) => a + b, 0), r.sent);
  assert.ok(r.p50Ms <= r.p90Ms && r.p90Ms <= r.p99Ms && r.p99Ms <= r.p999Ms && r.p999Ms <= r.maxMs);
  assert.ok(r.p50Ms > 0);
}

describe('wahook bench against wahook', () => {
  let gw: TestGateway;
  let worker: { stop(): Promise<void> };
  const dir = tempDir('wahook-bench-');

  before(async () => {
    gw = await startGateway();
    worker = await runWorker(gw.config, createLogger('silent'));
  });
  after(async () => {
    await worker.stop();
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a constant-rate run as JSON that adds up, and --verify finds every acknowledged event exactly once', async () => {
    const svg = join(dir, 'latency.svg');
    const r = await wahook(['bench', '--url', `${gw.url}/webhook`, '--rate', '200', '--duration', '1.5', '--connections', '4', '--duplicates', '0.2', '--secret', SECRET, '--data-dir', gw.config.dataDir, '--verify', '--verify-timeout', '30', '--json', '--svg', svg]);
    assert.equal(r.code, 0, r.err);
    const s = json(r);
    assertConsistent(s);
    assert.equal(s.mode, 'rate');
    assert.equal(s.sent, 300);
    assert.equal(s.ok, 300);
    assert.deepEqual(s.byStatus, { 200: 300 });
    assert.ok(s.duplicatesSent + s.retriesSent > 0, 'some deliveries were sent twice');
    assert.equal(s.deliveries + s.duplicatesSent + s.retriesSent, s.sent);
    assert.equal(s.lost, 0);
    assert.equal(s.duplicated, 0);
    assert.ok(s.verify.expected > s.deliveries, 'batched deliveries carry several events');
    assert.equal(s.verify.found, s.verify.expected);
    const counters = await gw.log.edgeCounters();
    assert.ok(counters.duplicates >= s.duplicatesSent, 'the edge recognised the re-sends');
    assertWellFormedSvg(readFileSync(svg, 'utf8'));
    assert.match(r.err, /sent 300\/300/, 'progress on stderr');
  });

  it('sends a burst within one second and prints the text report', async () => {
    const r = await wahook(['bench', '--url', `${gw.url}/webhook`, '--burst', '150', '--secret', SECRET]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wahook bench \(burst\): 150 requests/);
    assert.match(r.out, /p50 [\d.]+ {2}p90 [\d.]+ {2}p99 [\d.]+ {2}p99\.9 [\d.]+ {2}max [\d.]+/);
    assert.match(r.out, /by status: 200: 150/);
  });

  it('counts answers by status when signatures are wrong, retries each refused request and reports them never acknowledged', async () => {
    const r = await wahook(['bench', '--url', `${gw.url}/webhook`, '--burst', '20', '--secret', 'not-the-secret', '--retries', '2', '--retry-backoff-ms', '5', '--json']);
    assert.equal(r.code, 1);
    const s = json(r);
    assertConsistent(s);
    assert.equal(s.ok, 0);
    assert.deepEqual(s.byStatus, { 401: 60 });
    assert.equal(s.retriesSent, 40);
    assert.equal(s.failedAfterRetries, 20);
  });
});

describe('wahook bench against a receiver that answers 200 without storing', () => {
  let server: Server;
  let url: string;
  let requests = 0;
  const empty = tempDir('wahook-bench-empty-');

  before(async () => {
    // Every fifth request gets a 503, the rest a 200 for a delivery kept nowhere.
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests++;
        res.writeHead(requests % 5 === 0 ? 503 : 200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    rmSync(empty, { recursive: true, force: true });
  });

  it('--verify reports the acknowledged deliveries as lost, and the 503s by status', async () => {
    const r = await wahook(['bench', '--url', url, '--burst', '100', '--connections', '1', '--duplicates', '0', '--retries', '0', '--secret', 's', '--data-dir', empty, '--verify', '--verify-timeout', '1', '--json']);
    assert.equal(r.code, 1);
    const s = json(r);
    assertConsistent(s);
    assert.deepEqual(s.byStatus, { 200: 80, 503: 20 });
    assert.ok(s.lost > 0);
    assert.equal(s.lost, s.verify.expected);
    assert.equal(s.duplicated, 0);
  });

  it('ramps the rate up over the duration', async () => {
    const r = await wahook(['bench', '--url', url, '--rate', '100', '--duration', '1', '--ramp', '--connections', '2', '--retries', '0', '--secret', 's', '--json']);
    const s = json(r);
    assertConsistent(s);
    assert.equal(s.mode, 'ramp');
    assert.equal(s.sent, 50);
    assert.equal(s.offeredRps, 50);
  });

  it('refuses bad usage with a clear error', async () => {
    for (const argv of [['bench', '--burst', '5', '--secret', 's'], ['bench', '--url', url, '--rate', '5', '--burst', '5', '--secret', 's'], ['bench', '--url', url, '--rate', 'fast', '--secret', 's'], ['bench', '--url', 'ftp://example.com/x', '--burst', '1', '--secret', 's'], ['bench', '--url', url, '--burst', '0', '--secret', 's'], ['bench', '--url', url, '--burst', '5']]) {
      const r = await wahook(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, /WAHOOK_ERR_CLI_USAGE/);
    }
  });
});

describe('wahook bench against wahook behind a front that fails the first attempt of some requests', () => {
  let gw: TestGateway;
  let worker: { stop(): Promise<void> };
  let front: Server;
  let url: string;
  const seen = new Set<string>();
  let refused = 0;
  let dropped = 0;

  before(async () => {
    gw = await startGateway();
    worker = await runWorker(gw.config, createLogger('silent'));
    const target = new URL(`${gw.url}/webhook`);
    // By the body's hash, a quarter of the deliveries get a 503 the first time they arrive, and another quarter a
    // closed connection without an answer; every other request is passed on to wahook and its answer returned.
    front = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const digest = createHash('sha256').update(body).digest();
        const first = !seen.has(digest.toString('hex'));
        seen.add(digest.toString('hex'));
        if (first && digest[0]! % 4 === 0) {
          refused++;
          return res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
        }
        if (first && digest[0]! % 4 === 1) {
          dropped++;
          return req.socket.destroy();
        }
        const headers = { 'content-type': req.headers['content-type']!, 'x-hub-signature-256': req.headers['x-hub-signature-256'] as string };
        const up = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers }, (answer) => {
          answer.resume();
          answer.on('end', () => res.writeHead(answer.statusCode!, { 'content-type': 'application/json' }).end('{}'));
        });
        up.end(body);
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(front.address() as { port: number }).port}/webhook`;
  });
  after(async () => {
    await new Promise((r) => front.close(r));
    await worker.stop();
    await gw.close();
  });

  it('re-sends each failed request with back-off until it is acknowledged, and --verify counts it as acknowledged', async () => {
    const r = await wahook(['bench', '--url', url, '--burst', '120', '--connections', '4', '--duplicates', '0', '--retry-backoff-ms', '5', '--secret', SECRET, '--data-dir', gw.config.dataDir, '--verify', '--verify-timeout', '30', '--json']);
    assert.equal(r.code, 0, r.err);
    const s = json(r);
    assertConsistent(s);
    assert.ok(refused > 0 && dropped > 0, `the front refused ${refused} and dropped ${dropped}`);
    assert.equal(s.retriesSent, refused + dropped, 'one re-send for each failed first attempt');
    assert.equal(s.sent, 120 + refused + dropped);
    assert.equal(s.ok, 120, 'every request acknowledged in the end');
    assert.equal(s.failedAfterRetries, 0);
    assert.deepEqual(s.byStatus, { 200: 120, 503: refused, error: dropped });
    assert.equal(s.lost, 0);
    assert.equal(s.duplicated, 0);
    assert.equal(s.verify.found, s.verify.expected);
    assert.ok(s.verify.expected >= 120, 'the events of the retried deliveries are expected too');
    assert.equal((await gw.log.latest(1000)).length, 120, 'each delivery stored once');
  });
});

describe('wahook bench against an https:// receiver', { skip: opensslAvailable().ok ? false : 'openssl is not installed' }, () => {
  it('sends over TLS, and checks the certificate unless --insecure', async () => {
    const dir = tempDir('wahook-bench-tls-');
    const cert = selfSigned(dir, 'staging');
    let posts = 0;
    const server = createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      req.resume();
      req.on('end', () => {
        posts++;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    try {
      const ok = await wahook(['bench', '--url', url, '--burst', '20', '--connections', '2', '--secret', 's', '--insecure', '--json']);
      assert.equal(ok.code, 0, ok.err);
      assert.deepEqual(json(ok).byStatus, { 200: 20 });
      assert.equal(posts, 20);
      const checked = await wahook(['bench', '--url', url, '--burst', '5', '--connections', '1', '--secret', 's', '--json']);
      assert.notEqual(checked.code, 0);
      assert.match(checked.err, /self.signed|certificate/i, 'an unverifiable certificate is named');
      assert.equal(posts, 20, 'nothing is sent to a host whose certificate does not verify');
    } finally {
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
