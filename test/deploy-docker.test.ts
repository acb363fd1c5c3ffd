import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startGateway } from './helpers/gateway.js';
import { freePort, ROOT } from './helpers/process.js';

/**
 * No Docker daemon runs where these tests run, so the image is not built
 * here: the Dockerfile is parsed and its promises checked, and its
 * healthcheck command is run against a real gateway.
 */
interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly steps: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const joined = text.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of joined.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ from: m[1]!, name: m[2], steps: [] });
    } else {
      stages.at(-1)!.steps.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const [build, runtime] = [stages[0]!, stages.at(-1)!];
const all = (s: Stage, op: string): string[] => s.steps.filter((i) => i.op === op).map((i) => i.args);
const one = (s: Stage, op: string): string => {
  const found = all(s, op);
  assert.equal(found.length, 1, `one ${op} in the ${s.name} stage`);
  return found[0]!;
};
const env = (s: Stage): Record<string, string> => Object.fromEntries(all(s, 'ENV').flatMap((a) => [...a.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])));

test('multi-stage: dev dependencies, the build and the native module in the first stage, production dependencies only in the last', () => {
  assert.equal(stages.length, 2);
  assert.equal(build.name, 'build');
  assert.equal(runtime.from, build.from, 'the same base, so the native module built in one runs in the other');
  const buildRuns = all(build, 'RUN').join('\n');
  assert.match(buildRuns, /npm ci(?!.*--omit)/, 'all dependencies, dev ones included, to compile');
  assert.match(buildRuns, /python3.*make.*g\+\+/, 'the toolchain node-gyp needs when better-sqlite3 has no prebuilt binary');
  assert.match(buildRuns, /npm run build/);
  assert.match(buildRuns, /npm prune --omit=dev/);
  const runtimeRuns = all(runtime, 'RUN').join('\n');
  assert.doesNotMatch(runtimeRuns, /npm (ci|install)|apt-get/, 'nothing is installed or compiled in the runtime stage');
  const copied = all(runtime, 'COPY').map((a) => a.replace(/--chown=\S+\s*/, ''));
  assert.ok(copied.every((a) => a.startsWith('--from=build ')), 'the runtime takes only what the build made');
  const paths = copied.map((a) => a.split(/\s+/)[1]);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  for (const needed of ['/app/package.json', '/app/node_modules', ...pkg.files.filter((f) => !['docs', 'README.md'].includes(f)).map((f) => `/app/${f}`)]) {
    assert.ok(paths.includes(needed), `${needed} is in the image`);
  }
  assert.ok(!paths.includes('/app/test') && !paths.includes('/app/dist'), 'no tests, only dist/src');
});

test('non-root, the data dir a volume, the port exposed, a healthcheck on /readyz, serve as the command', () => {
  const user = one(runtime, 'USER');
  assert.ok(!/^(root|0)(:|$)/.test(user), `runs as ${user}`);
  const e = env(runtime);
  assert.equal(e.WAHOOK_DATA_DIR, '/data');
  assert.deepEqual(JSON.parse(one(runtime, 'VOLUME')), [e.WAHOOK_DATA_DIR]);
  assert.match(all(runtime, 'RUN').join('\n'), /chown node:node \/data && chmod 700 \/data/, 'the volume starts owned by the user, closed to others');
  assert.equal(user, 'node');
  assert.equal(one(runtime, 'EXPOSE'), e.PORT);
  assert.equal(e.WAHOOK_HOST, '0.0.0.0', 'reachable from outside the container');
  assert.match(one(runtime, 'HEALTHCHECK'), /\/readyz/);
  assert.equal(one(runtime, 'STOPSIGNAL'), 'SIGTERM', 'the signal wahook drains on');
  assert.deepEqual(JSON.parse(one(runtime, 'ENTRYPOINT')), ['node', 'bin/wahook.js']);
  assert.deepEqual(JSON.parse(one(runtime, 'CMD')), ['serve']);
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
  for (const p of ['node_modules', 'dist', '.git', '.wahook']) assert.ok(ignored.includes(p), `.dockerignore keeps ${p} out of the build`);
});

test('the healthcheck command passes against a ready gateway and fails when nothing answers', async () => {
  const exec = JSON.parse(one(runtime, 'HEALTHCHECK').replace(/^.*?CMD\s+/, '')) as string[];
  assert.equal(exec[0], 'node');
  // Not spawnSync: the gateway answering it runs on this process's event loop.
  const run = (port: number) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, exec.slice(1), { env: { ...process.env, PORT: String(port), WAHOOK_TLS_CERT: '' }, stdio: 'inherit' });
      child.on('exit', (code) => resolve(code));
    });
  const gw = await startGateway();
  try {
    assert.equal(await run(Number(new URL(gw.url).port)), 0);
  } finally {
    await gw.close();
  }
  assert.equal(await run(await freePort()), 1);
});
