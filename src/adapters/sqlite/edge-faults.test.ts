import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig, type Config } from '../../config/load.js';
import { createGatewayServer, type GatewayServer } from '../../entry/server.js';
import { createLogger } from '../../entry/logger.js';
import { START } from '../../ports/delivery-log.js';
import { http } from '../../../test/helpers/http.js';
import { cloudTextBody, signedHeaders } from '../../../test/helpers/payloads.js';
import { SECRET, tempDir } from '../../../test/helpers/gateway.js';
import { SqliteDeliveryLog } from './delivery-log.js';
import { SqliteDeliveryStore } from './delivery-store.js';

/** SQLite's own failures, injected on the engine itself, seen through the real edge. */
function assertError(r: { status: number; json(): any; text: string }, status: number, code: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json().error.code, code);
}

for (const thread of [true, false]) describe(`receiving edge on SQLite: the store cannot commit (${thread ? 'writer thread' : 'inline writer'})`, () => {
  let dir: string;
  let config: Config;
  let store: SqliteDeliveryStore;
  let gateway: GatewayServer;
  let url: string;
  before(async () => {
    dir = tempDir();
    config = loadConfig({ flags: { host: '127.0.0.1', port: '0', 'data-dir': dir }, env: { WAHOOK_APP_SECRET: SECRET } });
    store = await SqliteDeliveryStore.open({ dataDir: dir, busyTimeoutMs: 50, thread, serving: true });
    gateway = createGatewayServer({ config, store, logger: createLogger('silent') });
    url = `http://127.0.0.1:${(await gateway.listen()).port}`;
  });
  after(async () => {
    await gateway.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a database locked by another process answers 503, never 200, then recovers', async () => {
    const other = new Database(`${dir}/deliveries.db`);
    other.exec('BEGIN EXCLUSIVE');
    const body = cloudTextBody('locked');
    assertError(await http(`${url}/webhook`, { body, headers: signedHeaders(body, SECRET) }), 503, 'WAHOOK_ERR_STORE_UNAVAILABLE');
    other.exec('ROLLBACK');
    other.close();
    assert.equal((await http(`${url}/webhook`, { body, headers: signedHeaders(body, SECRET) })).status, 200);
    const log = new SqliteDeliveryLog(dir);
    assert.equal((await log.read(START, 100)).deliveries.filter((d) => d.body.equals(body)).length, 1);
    await log.close();
  });

  test('a full disk answers 503 and the rejected body is not stored', async () => {
    const pages = ((await store.exec('PRAGMA page_count')) as { page_count: number }[])[0]!.page_count;
    await store.exec(`PRAGMA max_page_count = ${pages + 2}`);
    const body = cloudTextBody('x'.repeat(40_000));
    assertError(await http(`${url}/webhook`, { body, headers: signedHeaders(body, SECRET) }), 503, 'WAHOOK_ERR_STORE_UNAVAILABLE');
    assertError(await http(`${url}/readyz`), 503, 'WAHOOK_ERR_STORE_UNAVAILABLE');
    await store.exec('PRAGMA max_page_count = 1073741823');
    assert.equal((await http(`${url}/webhook`, { body, headers: signedHeaders(body, SECRET) })).status, 200);
  });
});
