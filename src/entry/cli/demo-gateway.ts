import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../config/load.js';
import { GatewayError } from '../../core/errors.js';
import { packageRoot } from '../../planner/shipped-prices.js';

export interface DemoGateway {
  readonly url: string;
  readonly dataDir: string;
  readonly secret: string;
  /** The config the gateway runs with, for reading its store. */
  readonly config: Config;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The parent's environment without wahook's own settings, so the demo always runs on a fresh embedded store. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WAHOOK_') && k !== 'DATABASE_URL' && k !== 'PORT') env[k] = v;
  return { ...env, ...extra };
}

async function waitHealthy(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `The demo gateway exited with code ${child.exitCode}: ${stderr()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > end) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `The demo gateway did not answer /healthz within 20 s: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `wahook serve` in a child process over a temporary data dir: the edge and
 * the worker on the embedded SQLite store, as a first `npm start` runs them,
 * and with its own CPU time apart from the load generator's.
 */
export async function startDemoGateway(): Promise<DemoGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wahook-demo-'));
  const secret = randomBytes(24).toString('hex');
  const port = await freePort();
  const env = { WAHOOK_APP_SECRET: secret, WAHOOK_VERIFY_TOKEN: randomBytes(12).toString('hex') };
  const bin = join(packageRoot(), 'bin', 'wahook.js');
  const child = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'], {
    env: cleanEnv(env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, child, () => stderr.trim());
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, dataDir, secret, config: loadConfig({ flags: { 'data-dir': dataDir }, env }), stop };
}
