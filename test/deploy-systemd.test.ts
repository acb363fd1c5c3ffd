import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SCHEMA } from '../src/config/schema.js';
import { BIN, ROOT } from './helpers/process.js';

const UNIT = readFileSync(join(ROOT, 'deploy', 'systemd', 'wahook.service'), 'utf8');

/** Every active `Key=value` line of the unit, keys repeated in order. */
function directives(unit: string): [string, string][] {
  return unit.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('[')).map((l) => {
    const eq = l.indexOf('=');
    return [l.slice(0, eq), l.slice(eq + 1)];
  });
}
const values = (key: string): string[] => directives(UNIT).filter(([k]) => k === key).map(([, v]) => v);
const one = (key: string): string | undefined => values(key).at(-1);
const seconds = (v: string | undefined): number => Number(/^(\d+)s$/.exec(v ?? '')?.[1] ?? NaN);

test('the unit restarts always, stops by draining with room to drain, and reloads TLS on SIGHUP', () => {
  assert.equal(one('Restart'), 'always');
  assert.equal(one('KillSignal'), 'SIGTERM', 'wahook drains on SIGTERM');
  assert.equal(one('KillMode'), 'mixed', 'only the main process is signalled first: it stops its receiving processes itself');
  const shutdownMs = SCHEMA.find((s) => s.key === 'shutdownTimeoutMs')!.default as number;
  assert.ok(seconds(one('TimeoutStopSec')) * 1000 >= 2 * shutdownMs, `TimeoutStopSec leaves room for the ${shutdownMs} ms drain and the worker's stop`);
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
});

test('the unit runs sandboxed, keeps its data in its state directory, and reads secrets from a file', () => {
  for (const [key, value] of [['DynamicUser', 'yes'], ['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['StateDirectory', 'wahook'], ['CapabilityBoundingSet', '']] as const) {
    assert.equal(one(key), value, key);
  }
  assert.ok(values('Environment').includes('WAHOOK_DATA_DIR=%S/wahook'), 'the data dir is the state directory');
  assert.match(one('EnvironmentFile') ?? '', /^\/etc\/wahook\/wahook\.env$/);
  assert.ok(!/APP_SECRET=|ADMIN_TOKEN=|DATABASE_URL=/.test(values('Environment').join('\n')), 'no secret in the unit itself');
  // Every variable the unit sets, active or commented, is one wahook reads.
  const known = new Set(SCHEMA.map((s) => s.env).filter(Boolean));
  for (const m of UNIT.matchAll(/Environment=([A-Z_]+)=/g)) if (m[1] !== 'NODE_ENV') assert.ok(known.has(m[1]!), `${m[1]} is a config variable`);
});

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const skip = analyze.error ? `systemd-analyze is not installed (${analyze.error.message}); install Debian's systemd package to run this check` : false;

test('systemd-analyze verify accepts the unit', { skip }, () => {
  // verify checks that ExecStart can be run, so a copy points at this node and this checkout's bin.
  const dir = mkdtempSync(join(tmpdir(), 'wahook-unit-'));
  try {
    const check = (text: string) => {
      const path = join(dir, 'wahook.service');
      writeFileSync(path, text);
      return spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    };
    const local = UNIT.replace(/^ExecStart=\S+ \S+/m, `ExecStart=${process.execPath} ${BIN}`);
    assert.notEqual(local, UNIT, 'ExecStart was rewritten');
    const r = check(local);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warnings either: systemd ignores a bad value with a warning and exits 0');
    // The same check notices a value it cannot parse, so its silence above means something.
    const broken = check(local.replace('Restart=always', 'Restart=sometimes'));
    assert.match(broken.stderr, /restart specifier/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
