import assert from 'node:assert/strict';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/gateway.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until } from '../helpers/pipeline.js';
import { freePort, runWahook, spawnWahook, type Spawned } from '../helpers/process.js';
import { dropSchema, postgres, testSchema } from '../helpers/services.js';
import { httpsRequest, opensslAvailable, selfSigned, type SelfSigned } from '../helpers/tls.js';

const openssl = opensslAvailable();
const SECRET = 'tls-secret';

/** Two certificates, and the pair of files `serve` reads, holding the first. */
function certificates(dir: string): { a: SelfSigned; b: SelfSigned; certPath: string; keyPath: string } {
  const a = selfSigned(dir, 'cert-a');
  const b = selfSigned(dir, 'cert-b');
  const certPath = join(dir, 'live.crt');
  const keyPath = join(dir, 'live.key');
  copyFileSync(a.certPath, certPath);
  copyFileSync(a.keyPath, keyPath);
  return { a, b, certPath, keyPath };
}

async function waitForHttps(url: string, ca: Buffer[], server: Spawned): Promise<void> {
  await until(async () => {
    if (server.child.exitCode !== null) throw new Error(`serve exited: ${server.stderr()}`);
    return httpsRequest(url, { ca }).then((r) => r.status === 200, () => false);
  }, 15_000, 'HTTPS healthz');
}

async function post(url: string, ca: Buffer[], agent?: Agent): Promise<{ status: number; servedCn: string; reusedSocket: boolean }> {
  const body = cloudTextBody('over tls');
  return httpsRequest(url, { ca, agent, body, headers: signedHeaders(body, SECRET) });
}

/**
 * The signed POST over HTTPS, then a new certificate swapped in under the same
 * file names and SIGHUP: new connections get it, a keep-alive connection opened
 * before keeps working, and a broken file at the next SIGHUP changes nothing.
 */
async function reloadScenario(server: Spawned, port: number, tls: ReturnType<typeof certificates>, up = /wahook listening/): Promise<void> {
  const ca = [tls.a.cert, tls.b.cert];
  const base = `https://127.0.0.1:${port}`;
  await waitForHttps(`${base}/healthz`, ca, server);
  await until(() => up.test(server.stderr()), 15_000, 'every receiving process');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await post(`${base}/webhook`, ca, agent);
    assert.deepEqual([first.status, first.servedCn], [200, 'cert-a']);

    copyFileSync(tls.b.certPath, tls.certPath);
    copyFileSync(tls.b.keyPath, tls.keyPath);
    server.child.kill('SIGHUP');
    await until(async () => (await httpsRequest(`${base}/healthz`, { ca })).servedCn === 'cert-b', 10_000, 'a new connection sees the new certificate');

    const kept = await post(`${base}/webhook`, ca, agent);
    assert.deepEqual([kept.status, kept.reusedSocket, kept.servedCn], [200, true, 'cert-a'], 'the connection opened before the reload is still served, over its own handshake');
    const fresh = await post(`${base}/webhook`, ca);
    assert.deepEqual([fresh.status, fresh.servedCn], [200, 'cert-b']);

    writeFileSync(tls.certPath, 'not a certificate');
    server.child.kill('SIGHUP');
    await until(async () => /TLS certificate not reloaded/.test(server.stderr()), 10_000, 'the failed reload is logged');
    const after = await post(`${base}/webhook`, ca);
    assert.deepEqual([after.status, after.servedCn], [200, 'cert-b'], 'the previous certificate stays in use');
  } finally {
    agent.destroy();
  }
}

test('serve answers HTTPS itself and reloads its certificate on SIGHUP without dropping connections', { skip: openssl.ok ? false : openssl.reason }, async () => {
  const dir = tempDir();
  const tls = certificates(dir);
  const port = await freePort();
  const server = spawnWahook(['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', join(dir, 'data'), '--no-worker', '--tls-cert', tls.certPath, '--tls-key', tls.keyPath], {
    WAHOOK_APP_SECRET: SECRET,
    WAHOOK_KEEPALIVE_TIMEOUT_MS: '60000',
  });
  try {
    await reloadScenario(server, port, tls);
  } finally {
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0, server.stderr());
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a certificate that does not load is a clear error at start', { skip: openssl.ok ? false : openssl.reason }, async () => {
  const dir = tempDir();
  const a = selfSigned(dir, 'cert-a');
  const b = selfSigned(dir, 'cert-b');
  const serve = (...flags: string[]) => runWahook(['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', join(dir, 'data'), ...flags], { WAHOOK_APP_SECRET: SECRET });
  try {
    const missing = await serve('--tls-cert', join(dir, 'nowhere.crt'), '--tls-key', a.keyPath);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /WAHOOK_ERR_CONFIG_INVALID: Invalid config key "tlsCert": cannot read .*nowhere\.crt \(ENOENT\)/);
    const mismatched = await serve('--tls-cert', a.certPath, '--tls-key', b.keyPath);
    assert.equal(mismatched.code, 1);
    assert.match(mismatched.stderr, /WAHOOK_ERR_CONFIG_INVALID: Invalid config key "tlsCert": .* are not a PEM certificate and its private key/);
    const half = await serve('--tls-cert', a.certPath);
    assert.equal(half.code, 1);
    assert.match(half.stderr, /Invalid config key "tlsKey": HTTPS needs both/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const db = openssl.ok ? await postgres() : openssl;

test('with --processes 2 the primary passes SIGHUP on to every receiving process', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const dir = tempDir();
  const schema = testSchema();
  const tls = certificates(dir);
  const port = await freePort();
  const env = { DATABASE_URL: db.value, WAHOOK_DB_SCHEMA: schema, WAHOOK_DATA_DIR: join(dir, 'data'), WAHOOK_APP_SECRET: SECRET, WAHOOK_KEEPALIVE_TIMEOUT_MS: '60000' };
  try {
    const migrated = await runWahook(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    const server = spawnWahook(['serve', '--processes', '2', '--host', '127.0.0.1', '--port', String(port), '--no-worker', '--tls-cert', tls.certPath, '--tls-key', tls.keyPath], env);
    try {
      await reloadScenario(server, port, tls, /wahook cluster running/);
      // Every process took the new certificate: many new connections, spread over both, all see it.
      const served = await Promise.all(Array.from({ length: 16 }, () => httpsRequest(`https://127.0.0.1:${port}/healthz`, { ca: [tls.a.cert, tls.b.cert] })));
      assert.deepEqual([...new Set(served.map((r) => r.servedCn))], ['cert-b']);
      assert.equal(server.child.exitCode, null, 'the primary survives SIGHUP');
    } finally {
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0, server.stderr());
    }
  } finally {
    await dropSchema(db.value, schema);
    rmSync(dir, { recursive: true, force: true });
  }
});
