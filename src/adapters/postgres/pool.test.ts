import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import pg from 'pg';
import { postgres, testSchema } from '../../../test/helpers/services.js';
import { createPg } from './pool.js';

const db = await postgres();

/** Ends every server connection of one pool, as a server restart or a PgBouncer recycle would. */
async function terminate(url: string, applicationName: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    return r.rowCount ?? 0;
  } finally {
    await c.end();
  }
}

test('the pool outlives connections the server cuts, idle or inside a transaction, and the next queries succeed', { skip: db.ok ? false : db.reason }, async () => {
  if (!db.ok) return;
  const name = testSchema('wahook_pool');
  const pg1 = createPg({ url: db.value, schema: name, poolMax: 2, applicationName: name }).acquire();
  try {
    // Idle in the pool: the pool's own listener takes the error.
    await pg1.pool.query('SELECT 1');
    assert.equal(await terminate(db.value, name), 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await pg1.pool.query('SELECT 2 AS v')).rows[0].v, 2);

    // Checked out, between two statements of a transaction: the client emits 'error' with no pool listener attached.
    let cut: unknown;
    await assert.rejects(pg1.tx(async (c) => {
      await c.query('SELECT 1');
      await terminate(db.value, name);
      await new Promise((r) => setTimeout(r, 100));
      try {
        await c.query('SELECT 1');
      } catch (e) {
        cut = e;
        throw e;
      }
    }));
    assert.ok(cut instanceof Error);
    // The broken client was discarded, not handed out again.
    for (let i = 0; i < 4; i++) assert.equal(await pg1.tx(async (c) => (await c.query('SELECT 3 AS v')).rows[0].v), 3);
  } finally {
    await pg1.release();
  }
});

test('a database that takes connections and never answers fails a query after the connect timeout, rather than holding it for ever', async () => {
  const held: Socket[] = [];
  const silent = createServer((s) => void held.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const { port } = silent.address() as { port: number };
  const pgSilent = createPg({ url: `postgres://wahook@127.0.0.1:${port}/none`, schema: 'wahook', poolMax: 2, connectTimeoutMs: 300 }).acquire();
  try {
    const started = Date.now();
    await assert.rejects(pgSilent.pool.query('SELECT 1'), /timeout/i);
    assert.ok(Date.now() - started < 5_000, `failed after ${Date.now() - started} ms`);
    // The pool is not left full of dead waits: the next query times out on its own, too.
    await assert.rejects(pgSilent.tx(async (c) => c.query('SELECT 1')), /timeout/i);
  } finally {
    await pgSilent.release();
    for (const s of held) s.destroy();
    silent.close();
  }
});

const ssMissing = spawnSync('ss', ['-V'], { stdio: 'ignore' }).status !== 0;

test('pooled connections probe their peer with TCP keepalive, so one whose peer vanished without a reset ends', { skip: !db.ok ? db.reason : ssMissing ? 'ss (iproute2) is not installed here' : false }, async () => {
  if (!db.ok) return;
  const pgKa = createPg({ url: db.value, schema: testSchema('wahook_keepalive'), poolMax: 1 }).acquire();
  try {
    await pgKa.tx(async (c) => {
      const port = (c as unknown as { connection: { stream: Socket } }).connection.stream.localPort;
      // The kernel's view of this connection: a keepalive timer when SO_KEEPALIVE is set.
      const ss = spawnSync('ss', ['-tnoH', `sport = :${port}`], { encoding: 'utf8' });
      assert.match(ss.stdout, /ESTAB.*timer:\(keepalive,/, ss.stdout);
    });
  } finally {
    await pgKa.release();
  }
});
