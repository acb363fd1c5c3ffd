import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { freePort, spawnWahook, waitForHttp } from '../helpers/process.js';
import { tempDir } from '../helpers/gateway.js';
import { until, writeHandlers } from '../helpers/pipeline.js';

test('a handler that blocks its thread never holds up the receiving edge', async () => {
  // Prepare: the handler spins synchronously for 4 s, then leaves a mark.
  const dir = tempDir();
  const started = join(dir, 'handler.started');
  const done = join(dir, 'handler.done');
  const handlers = writeHandlers(dir, `
    import { writeFileSync } from 'node:fs';
    export function message() {
      writeFileSync(${JSON.stringify(started)}, '');
      const end = Date.now() + 4000;
      while (Date.now() < end) { /* a handler that hogs its thread */ }
      writeFileSync(${JSON.stringify(done)}, '');
    }
  `);
  const port = await freePort();
  const env = { WAHOOK_APP_SECRET: 's', WAHOOK_DATA_DIR: dir, PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_HANDLERS: handlers };
  const server = spawnWahook(['serve'], env);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    const first = cloudTextBody('wake the handler', 'wamid.slow.0');
    assert.equal((await http(`http://127.0.0.1:${port}/webhook`, { body: first, headers: signedHeaders(first, 's') })).status, 200);
    await until(() => existsSync(started), 15_000, 'handler to start');
    // Act: while it spins, the edge keeps acknowledging deliveries.
    for (let i = 1; i <= 20; i++) {
      const body = cloudTextBody('during', `wamid.slow.${i}`);
      const r = await http(`http://127.0.0.1:${port}/webhook`, { body, headers: signedHeaders(body, 's') });
      assert.equal(r.status, 200);
    }
    assert.equal((await http(`http://127.0.0.1:${port}/readyz`)).status, 200);
    // Assess: all of that happened before the handler finished its first event.
    assert.equal(existsSync(done), false, 'the edge answered only after the handler finished');
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
