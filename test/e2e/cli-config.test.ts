import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertServable, loadConfig } from '../../src/config/load.js';
import { GatewayError } from '../../src/core/errors.js';
import { runWahook } from '../helpers/process.js';
import { tempDir } from '../helpers/gateway.js';

test('precedence is flags, then env, then file, then defaults', () => {
  const file = { port: 4000, dataDir: '/from-file', logLevel: 'warn', worker: { batchSize: 7 } };
  const c = loadConfig({ flags: { port: '5000' }, env: { PORT: '4500', WAHOOK_DATA_DIR: '/from-env' }, file });
  assert.equal(c.port, 5000);
  assert.equal(c.dataDir, '/from-env');
  assert.equal(c.logLevel, 'warn');
  assert.equal(c.worker.batchSize, 7);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(loadConfig({ env: {} }).port, 3000);
  assert.equal(loadConfig({ env: {} }).dataDir, './.wahook');
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.worker) && Object.isFrozen(c.tenants));
});

test('invalid values fail with an error naming the key', () => {
  const cases: [Parameters<typeof loadConfig>[0], RegExp][] = [
    [{ env: { PORT: 'eighty' } }, /"port \(env PORT\)"/],
    [{ flags: { port: '70000' } }, /"port \(flag --port\)"/],
    [{ file: { nope: 1 } }, /"nope"/],
    [{ file: { tenants: { wasender: { appSecrets: ['x'] } } } }, /"tenants\.wasender"/],
    [{ env: { WAHOOK_LOG_LEVEL: 'loud' } }, /"logLevel/],
    [{ flags: { 'forward-url': 'http://x' } }, /"forwardSecret"/],
  ];
  for (const [src, re] of cases) {
    assert.throws(() => loadConfig(src), (e: unknown) => e instanceof GatewayError && e.code === 'WAHOOK_ERR_CONFIG_INVALID' && re.test(e.message));
  }
});

test('serving without an app secret is refused unless insecure', () => {
  assert.throws(() => assertServable(loadConfig({ env: {} })), /appSecrets/);
  assert.doesNotThrow(() => assertServable(loadConfig({ env: {}, flags: { host: '127.0.0.1', 'insecure-skip-signature': true } })));
  assert.doesNotThrow(() => assertServable(loadConfig({ env: { WAHOOK_APP_SECRET: 'a,b' } })));
  assert.deepEqual(loadConfig({ env: { WAHOOK_APP_SECRET: ' a , b ' } }).tenants.default?.appSecrets, ['a', 'b']);
});

test('`wahook serve` without a secret exits non-zero naming the key', async () => {
  const dir = tempDir();
  const r = await runWahook(['serve', '--port', '0', '--data-dir', dir], { WAHOOK_APP_SECRET: '' });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /WAHOOK_ERR_CONFIG_INVALID.*appSecrets/);
});

test('`wahook config print` redacts every secret', async () => {
  const dir = tempDir();
  const cfg = join(dir, 'wahook.json');
  writeFileSync(cfg, JSON.stringify({ tenants: { acme: { appSecrets: ['file-secret-1'], verifyToken: 'file-token-2', wasenderSecret: 'file-ws-3' } } }));
  const r = await runWahook(['config', 'print', '--config', cfg], {
    WAHOOK_APP_SECRET: 'env-secret-4', WAHOOK_VERIFY_TOKEN: 'env-token-5', WAHOOK_ADMIN_TOKEN: 'admin-6', WAHOOK_WASENDER_SECRET: 'ws-7', WAHOOK_DATA_DIR: dir,
  });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.code, 0, r.stderr);
  for (const s of ['file-secret-1', 'file-token-2', 'file-ws-3', 'env-secret-4', 'env-token-5', 'admin-6', 'ws-7']) assert.ok(!r.stdout.includes(s), s);
  const printed = JSON.parse(r.stdout);
  assert.deepEqual(printed.tenants.acme.appSecrets, ['[redacted]']);
  assert.equal(printed.tenants.default.verifyToken, '[redacted]');
  assert.equal(printed.dataDir, dir);
});

test('unknown commands and bad flags are usage errors with exit 2', async () => {
  assert.equal((await runWahook(['frobnicate'])).code, 2);
  const r = await runWahook(['deliveries', '--limit', 'many'], { WAHOOK_DATA_DIR: tempDir() });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /WAHOOK_ERR_CLI_USAGE.*--limit/);
});
