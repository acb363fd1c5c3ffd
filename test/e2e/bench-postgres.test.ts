/**
 * `wahook bench --verify` reads whichever store the config names: here
 * `wahook serve` on PostgreSQL, checked through the same ports as SQLite.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/entry/cli/index.js';
import { postgresServeEnv } from '../helpers/postgres-env.js';
import { spawnWahook, waitForHttp } from '../helpers/process.js';
import { postgres } from '../helpers/services.js';

const db = await postgres();

test('on PostgreSQL: bench --verify finds every acknowledged event exactly once', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const pg = await postgresServeEnv(db.value, 'pg-bench-secret');
  const server = spawnWahook(['serve'], pg.env);
  try {
    await waitForHttp(`http://127.0.0.1:${pg.port}/healthz`);
    let out = '';
    let err = '';
    const argv = ['bench', '--url', `http://127.0.0.1:${pg.port}/webhook`, '--burst', '200', '--connections', '8', '--duplicates', '0.2', '--verify', '--verify-timeout', '30', '--json'];
    const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, env: pg.env });
    assert.equal(code, 0, `${out}\n${err}`);
    const s = JSON.parse(out) as { sent: number; ok: number; lost: number; duplicated: number; verify: { expected: number; found: number } };
    assert.deepEqual([s.sent, s.ok, s.lost, s.duplicated], [200, 200, 0, 0]);
    assert.ok(s.verify.expected > 0);
    assert.equal(s.verify.found, s.verify.expected);
  } finally {
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
    await pg.cleanup();
  }
});
