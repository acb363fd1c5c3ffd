import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until } from '../helpers/pipeline.js';
import { childrenOf, freePort, runWahook, spawnWahook, waitForHttp } from '../helpers/process.js';
import { postgresServeEnv } from '../helpers/postgres-env.js';
import { dropSchema, postgres, testSchema } from '../helpers/services.js';

const db = await postgres();

/** The same CLI, edge, worker and stats on PostgreSQL, chosen by config alone. */
test('on PostgreSQL: migrate, serve, deliveries become events once, and the CLI reads them', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const schema = testSchema();
  const dir = tempDir();
  const port = await freePort();
  const env = { DATABASE_URL: db.value, WAHOOK_DB_SCHEMA: schema, WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'pg-secret', PORT: String(port), WAHOOK_HOST: '127.0.0.1', WAHOOK_WORKER_POLL_MS: '10' };
  try {
    const refused = await runWahook(['serve'], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /WAHOOK_ERR_SCHEMA_MISMATCH.*run `wahook migrate`/);
    const migrated = await runWahook(['migrate'], env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.deepEqual(JSON.parse(migrated.stdout), { engine: 'postgres', from: 0, to: 2 });
    const server = spawnWahook(['serve'], env);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`);
      assert.equal((await http(`http://127.0.0.1:${port}/readyz`)).status, 200);
      const bodies = Array.from({ length: 20 }, (_, i) => cloudTextBody(`pg ${i}`, `wamid.pg.${i}`));
      for (const body of [...bodies, bodies[0]!]) {
        const r = await http(`http://127.0.0.1:${port}/webhook`, { body, headers: signedHeaders(body, 'pg-secret') });
        assert.equal(r.status, 200, r.text);
      }
      const stats = async () => JSON.parse((await runWahook(['stats', '--json'], env)).stdout) as { stored: number; duplicates: number; events: number; queueDepth: number };
      await until(async () => (await stats()).events === 20, 20_000, 'events on PostgreSQL');
      const s = await stats();
      assert.deepEqual([s.stored, s.duplicates, s.queueDepth], [20, 1, 0]);
      const events = (await runWahook(['events', '--json', '--kind', 'message'], env)).stdout.trim().split('\n').map((l) => JSON.parse(l) as { messageId: string });
      assert.deepEqual(events.map((e) => e.messageId).sort(), bodies.map((_, i) => `wamid.pg.${i}`).sort());
    } finally {
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    }
  } finally {
    await dropSchema(db.value, schema);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serve --processes 2 on PostgreSQL: two receiving processes on one port, a killed one comes back, SIGTERM drains them all', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const pg = await postgresServeEnv(db.value, 'pg-secret');
  const { env, port } = pg;
  try {
    const server = spawnWahook(['serve', '--processes', '2'], env);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`);
      await until(() => childrenOf(server.child.pid!).length === 2, 10_000, 'two edge processes');
      const send = async (i: number): Promise<number> => {
        const body = cloudTextBody(`cluster ${i}`, `wamid.cluster.${i}`);
        return (await http(`http://127.0.0.1:${port}/webhook`, { body, headers: signedHeaders(body, 'pg-secret') })).status;
      };
      for (let i = 0; i < 10; i++) assert.equal(await send(i), 200);
      const [victim] = childrenOf(server.child.pid!);
      process.kill(victim!, 'SIGKILL');
      await until(() => { const now = childrenOf(server.child.pid!); return now.length === 2 && !now.includes(victim!); }, 10_000, 'a new edge process');
      for (let i = 10; i < 20; i++) assert.equal(await send(i), 200);
      const stats = async () => JSON.parse((await runWahook(['stats', '--json'], env)).stdout) as { stored: number; events: number };
      await until(async () => (await stats()).events === 20, 20_000, 'the primary\'s worker to make every event');
      assert.equal((await stats()).stored, 20);
    } finally {
      server.child.kill('SIGTERM');
      const { code } = await server.exited;
      assert.equal(code, 0, server.stderr());
      assert.deepEqual(childrenOf(server.child.pid!), []);
      assert.doesNotMatch(server.stderr(), /killing them/, 'every edge process stops on its own once drained');
    }
  } finally {
    await pg.cleanup();
  }
});

test('serve --processes 2 on PostgreSQL: a receiving process killed while it starts is started again, and the gateway stays up', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const pg = await postgresServeEnv(db.value, 'pg-secret');
  try {
    const server = spawnWahook(['serve', '--processes', '2'], pg.env);
    let victim: number | undefined;
    try {
      // Caught within milliseconds of its fork, long before it has loaded and listens.
      await until(() => childrenOf(server.child.pid!).length === 2, 10_000, 'two edge processes');
      victim = Math.max(...childrenOf(server.child.pid!));
      process.kill(victim, 'SIGKILL');
      await until(() => { const now = childrenOf(server.child.pid!); return now.length === 2 && !now.includes(victim!); }, 10_000, 'a new edge process');
      await waitForHttp(`http://127.0.0.1:${pg.port}/healthz`);
      const body = cloudTextBody('after the kill', 'wamid.killed.start');
      assert.equal((await http(`http://127.0.0.1:${pg.port}/webhook`, { body, headers: signedHeaders(body, 'pg-secret') })).status, 200);
    } finally {
      server.child.kill('SIGTERM');
      const { code } = await server.exited;
      assert.equal(code, 0, server.stderr());
    }
    assert.match(server.stderr(), new RegExp(`"pid":${victim},"code":null,"signal":"SIGKILL".*edge process exited; starting another in 1 s`));
    assert.doesNotMatch(server.stderr(), /stopping the cluster/);
  } finally {
    await pg.cleanup();
  }
});

test('serve --processes 2 on PostgreSQL: a receiving process that exits by itself before it listens stops the cluster with its code, and says so', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const pg = await postgresServeEnv(db.value, 'pg-secret');
  const dir = tempDir();
  try {
    // Every receiving process ends with code 7 as it starts; the main process loads the same file and goes on.
    const preload = join(dir, 'edge-exits.cjs');
    writeFileSync(preload, "if (require('node:cluster').isWorker) process.exit(7);\n");
    const r = await runWahook(['serve', '--processes', '2'], { ...pg.env, NODE_OPTIONS: `--require ${preload}` });
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /"code":7,.*edge process exited before it listened; stopping the cluster/);
    assert.doesNotMatch(r.stderr, /starting another/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await pg.cleanup();
  }
});

test('more than one receiving process on the embedded SQLite is refused with the reason', async () => {
  const dir = tempDir();
  try {
    const r = await runWahook(['serve', '--processes', '2'], { WAHOOK_DATA_DIR: dir, WAHOOK_APP_SECRET: 'x', PORT: '0', WAHOOK_HOST: '127.0.0.1' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /WAHOOK_ERR_CONFIG_INVALID.*processes.*PostgreSQL/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
