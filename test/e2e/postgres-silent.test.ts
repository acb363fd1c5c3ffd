import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { freePort, runWahook, spawnWahook, waitForHttp } from '../helpers/process.js';
import { dropSchema, postgres, testSchema } from '../helpers/services.js';

const db = await postgres();
const SECRET = 'silent-secret';
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

/** A TCP relay to PostgreSQL that can go silent: it then keeps every connection open and passes nothing, either way. */
async function relay(target: URL): Promise<{ url: string; silence(): void; close(): void }> {
  let silent = false;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    sockets.push(client);
    if (silent) return;
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.push(upstream);
    client.on('data', (d) => void (silent || upstream.write(d)));
    upstream.on('data', (d) => void (silent || client.write(d)));
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => silent || b.destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = new URL(target.href);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return { url: url.href, silence: () => void (silent = true), close: () => { for (const s of sockets) s.destroy(); server.close(); } };
}

test('serve on a PostgreSQL that goes silent mid-request still stops on SIGTERM: it logs why and exits 1 once its stop has run out of time', { skip: db.ok ? false : db.reason, timeout: 60_000 }, async () => {
  if (!db.ok) return;
  const schema = testSchema('wahook_silent');
  const proxy = await relay(new URL(db.value));
  const port = await freePort();
  const env = {
    DATABASE_URL: proxy.url, WAHOOK_DB_SCHEMA: schema, WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: SECRET, PORT: String(port), WAHOOK_HOST: '127.0.0.1',
    WAHOOK_WORKER: 'false', WAHOOK_SHUTDOWN_TIMEOUT_MS: '300', WAHOOK_LOG_LEVEL: 'info',
  };
  try {
    assert.equal((await runWahook(['migrate'], env)).code, 0);
    const server = spawnWahook(['serve'], env);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    const first = cloudTextBody('before', 'wamid.silent.1');
    assert.equal((await http(`http://127.0.0.1:${port}/webhook`, { body: first, headers: signedHeaders(first, SECRET) })).status, 200);

    proxy.silence();
    const second = cloudTextBody('during', 'wamid.silent.2');
    const held = http(`http://127.0.0.1:${port}/webhook`, { body: second, headers: signedHeaders(second, SECRET) }).then((r) => r.status, () => 'no answer');
    await new Promise((r) => setTimeout(r, 300));
    const stopping = Date.now();
    server.child.kill('SIGTERM');
    const exited = await server.exited;
    const took = Date.now() - stopping;
    assert.equal(exited.code, 1, server.stderr().slice(-2000));
    // Twice the shutdown timeout and the 5 s grace, and a little for the process to end.
    assert.ok(took >= 5_000 && took < 12_000, `stopped after ${took} ms`);
    assert.match(server.stderr(), /did not stop in time/);
    // The held request was never answered 200: its commit had not come back.
    assert.notEqual(await held, 200);
  } finally {
    proxy.close();
    await dropSchema(db.value, schema);
  }
});
