import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { tempDir } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { cloudTextBody, signedHeaders } from '../helpers/payloads.js';
import { until } from '../helpers/pipeline.js';
import { freePort, runWahook, spawnWahook, waitForHttp } from '../helpers/process.js';
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
    assert.deepEqual(JSON.parse(migrated.stdout), { engine: 'postgres', from: 0, to: 1 });
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
