/**
 * `wahook bench --verify` reads whichever store the config names: here
 * `wahook serve` on PostgreSQL, checked through the same ports as SQLite.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { main } from '../../src/entry/cli/index.js';
import { tempDir } from '../helpers/gateway.js';
import { freePort, runWahook, spawnWahook, waitForHttp } from '../helpers/process.js';
import { dropSchema, postgres, testSchema } from '../helpers/services.js';

const db = await postgres();

test('on PostgreSQL: bench --verify finds every acknowledged event exactly once', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const schema = testSchema();
  const dir = tempDir();
  const port = await freePort();
  const env = { DATABASE_URL: db.value, WAHOOK_DB_SCHEMA: schema, WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'pg-bench-secret', PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_WORKER_POLL_MS: '10' };
  try {
    const migrated = await runWahook(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    const server = spawnWahook(['serve'], env);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`);
      let out = '';
      let err = '';
      const code = await main(['bench', '--url', `http://127.0.0.1:${port}/webhook`, '--burst', '200', '--connections', '8', '--duplicates', '0.2', '--verify', '--verify-timeout', '30', '--json'], {
        out: (s) => { out += s; }, err: (s) => { err += s; }, env,
      });
      assert.equal(code, 0, `${out}\n${err}`);
      const s = JSON.parse(out) as { sent: number; ok: number; lost: number; duplicated: number; verify: { expected: number; found: number } };
      assert.deepEqual([s.sent, s.ok, s.lost, s.duplicated], [200, 200, 0, 0]);
      assert.ok(s.verify.expected > 0);
      assert.equal(s.verify.found, s.verify.expected);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    }
  } finally {
    await dropSchema(db.value, schema);
    rmSync(dir, { recursive: true, force: true });
  }
});
