import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createEngine } from '../../src/compose.js';
import { assertServable, loadConfig } from '../../src/config/load.js';
import { GatewayError } from '../../src/core/errors.js';
import { dataDirWarning } from '../../src/entry/bootstrap.js';
import { tempDir } from '../helpers/gateway.js';
import { freePort, runWahook, spawnWahook, waitForHttp } from '../helpers/process.js';

const posix = process.platform === 'win32' ? 'file modes are POSIX only' : false;
const modeOf = (p: string): string => (statSync(p).mode & 0o777).toString(8);

test('a new data dir is 0700 and every file in it, -wal, -shm and the dedupe index marker included, is 0600 under a 022 umask', { skip: posix }, async () => {
  const previous = process.umask(0o022);
  const root = tempDir('wahook-modes-');
  try {
    for (const thread of [false, true]) {
      const dir = join(root, `nested-${thread}`, 'data');
      const engine = createEngine(loadConfig({ flags: { 'data-dir': dir, 'store-writer': thread ? 'thread' : 'inline' }, env: {} }));
      const store = await engine.openDeliveryStore();
      await store.append({ tenant: 'default', provider: 'cloud_api', receivedAt: 1, body: Buffer.from('{"object":"x","entry":[]}'), headers: {} });
      const events = await engine.openPipelineStores();
      const telemetry = await engine.openTelemetryStore();
      // While the stores are open every file SQLite made is on disk, the WAL and shared-memory files with them.
      // Every file, not only the databases: a file that says nothing today may say something tomorrow.
      const files = readdirSync(dir);
      for (const f of ['deliveries.db', 'deliveries.db-wal', 'deliveries.db-shm', 'events.db', 'events.db-wal', 'telemetry.db', 'dedupe.db', 'dedupe.open']) {
        assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
      }
      assert.equal(modeOf(dir), '700', `data dir (writer thread: ${thread})`);
      for (const f of files) assert.equal(modeOf(join(dir, f)), '600', `${f} (writer thread: ${thread})`);
      await telemetry.close();
      await events.close();
      await store.close();
    }
  } finally {
    process.umask(previous);
    rmSync(root, { recursive: true, force: true });
  }
});

test('an existing data dir that other users can enter is reported, with the chmod that fixes it', { skip: posix }, () => {
  const dir = tempDir('wahook-modes-');
  try {
    for (const [mode, warned] of [[0o755, true], [0o750, true], [0o701, true], [0o700, false]] as const) {
      chmodSync(dir, mode);
      const w = dataDirWarning(dir);
      assert.equal(w !== undefined, warned, mode.toString(8));
      if (warned) assert.match(w!, new RegExp(`mode ${mode.toString(8)}\\).*chmod 700 `));
    }
    assert.equal(dataDirWarning(join(dir, 'missing')), undefined, 'a dir wahook is about to create has nothing to report');
    chmodSync(dir, 0o755);
    assert.equal(dataDirWarning(dir, 'win32'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`wahook serve` warns at start about a data dir readable by others, and not about one it created', { skip: posix, timeout: 60_000 }, async () => {
  const open = tempDir('wahook-modes-');
  const fresh = join(tempDir('wahook-modes-'), 'new');
  chmodSync(open, 0o755);
  const stderrs: string[] = [];
  try {
    for (const dir of [open, fresh]) {
      const port = await freePort();
      const s = spawnWahook(['serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dir, '--no-worker'], { WAHOOK_APP_SECRET: 's', WAHOOK_WORKER: 'false' });
      await waitForHttp(`http://127.0.0.1:${port}/healthz`);
      s.child.kill('SIGTERM');
      await s.exited;
      stderrs.push(s.stderr());
    }
  } finally {
    rmSync(open, { recursive: true, force: true });
    rmSync(join(fresh, '..'), { recursive: true, force: true });
  }
  assert.match(stderrs[0]!, /"level":40.*open to other local users \(mode 755\).*chmod 700/);
  assert.doesNotMatch(stderrs[1]!, /open to other local users/);
  assert.ok(!existsSync(fresh));
});

test('--insecure-skip-signature is refused beyond loopback unless a second flag says the operator means it', async () => {
  const insecure = (flags: Record<string, unknown>) => loadConfig({ env: {}, flags: { 'insecure-skip-signature': true, ...flags } });
  for (const host of ['0.0.0.0', '::', '10.0.0.5', 'wahook.example.com']) {
    assert.throws(() => assertServable(insecure({ host })), (e: unknown) => e instanceof GatewayError && e.code === 'WAHOOK_ERR_CONFIG_INVALID'
      && /"insecureSkipSignature".*--insecure-skip-signature-beyond-loopback/.test(e.message), host);
    assert.doesNotThrow(() => assertServable(insecure({ host, 'insecure-skip-signature-beyond-loopback': true })), host);
  }
  for (const host of ['127.0.0.1', '::1', 'localhost']) assert.doesNotThrow(() => assertServable(insecure({ host })), host);
  // The default host is every interface, so the flag alone no longer starts a public gateway.
  const dir = tempDir('wahook-insecure-');
  mkdirSync(dir, { recursive: true });
  const r = await runWahook(['serve', '--insecure-skip-signature', '--port', '0', '--data-dir', dir], { WAHOOK_APP_SECRET: '' });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /WAHOOK_ERR_CONFIG_INVALID.*"insecureSkipSignature".*refused on host 0\.0\.0\.0/);
});
