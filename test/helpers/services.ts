import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * The real servers some suites need. Where one cannot be reached they are
 * skipped with the reason, unless WAHOOK_TEST_SERVICES=required (CI), where
 * a missing service fails the run.
 */
const required = (): boolean => process.env.WAHOOK_TEST_SERVICES === 'required';

export type Available<T> = { ok: true; value: T } | { ok: false; reason: string };

function unavailable<T>(reason: string): Available<T> {
  if (required()) throw new Error(`${reason} (WAHOOK_TEST_SERVICES=required)`);
  return { ok: false, reason };
}

export const POSTGRES_URL = process.env.WAHOOK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function postgres(): Promise<Available<string>> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true, value: POSTGRES_URL };
  } catch (e) {
    return unavailable(`PostgreSQL is not reachable at ${POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')} (${(e as Error).message})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A PgBouncer of the test's own, in transaction mode, in front of the test database, on a free port. */
export async function pgbouncer(databaseUrl: string): Promise<Available<{ url: string; stop(): Promise<void> }>> {
  if (spawnSync('pgbouncer', ['--version']).status !== 0) return unavailable('pgbouncer is not installed (Debian package pgbouncer)');
  const target = new URL(databaseUrl);
  const db = target.pathname.slice(1);
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'wahook-pgbouncer-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'users.txt'), `"${decodeURIComponent(target.username || 'postgres')}" ""\n`);
  writeFileSync(join(dir, 'pgbouncer.ini'), [
    '[databases]', `${db} = host=${target.hostname} port=${target.port || 5432} dbname=${db}`,
    '[pgbouncer]', 'listen_addr = 127.0.0.1', `listen_port = ${port}`, 'auth_type = trust', `auth_file = ${join(dir, 'users.txt')}`,
    'pool_mode = transaction', 'max_client_conn = 1000', 'default_pool_size = 10', 'unix_socket_dir =', `logfile = ${join(dir, 'pgbouncer.log')}`,
  ].join('\n'));
  // PgBouncer refuses to run as root; it drops to the database's own user when started by root.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (Number.isInteger(uid)) for (const f of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, f), uid, -1);
  }
  const child = spawn('pgbouncer', [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  const url = `postgres://${target.username || 'postgres'}@127.0.0.1:${port}/${db}`;
  for (let i = 0; i < 100; i++) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 500 });
    try {
      await c.connect();
      await c.end();
      return { ok: true, value: { url, stop: async () => { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); rmSync(dir, { recursive: true, force: true }); } } };
    } catch {
      await c.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGKILL');
  return unavailable('pgbouncer did not start');
}

/** A schema name of the test's own, so test files never share tables. */
export function testSchema(prefix = 'wahook_t'): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

/** The shared Redis of this machine (no persistence): for what must be refused on such a server. */
export const SHARED_REDIS_URL = process.env.WAHOOK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAnswers(url: string): Promise<string | null> {
  const { Redis } = await import('ioredis');
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.ping();
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    c.disconnect();
  }
}

export async function sharedRedis(): Promise<Available<string>> {
  const problem = await redisAnswers(SHARED_REDIS_URL);
  return problem === null ? { ok: true, value: SHARED_REDIS_URL } : unavailable(`Redis is not reachable at ${SHARED_REDIS_URL} (${problem})`);
}

/** A redis-server of the test's own, on a free port, writing its append-only file to a temporary dir. */
export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** Kills it at once (SIGKILL): only what was synced survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and dir. */
  start(): Promise<void>;
  /** Stops it and removes its dir. */
  stop(): Promise<void>;
}

/**
 * Started with `appendonly yes` and `appendfsync always` unless other
 * arguments are given; no RDB snapshots, so the append-only file is all
 * that survives a restart.
 */
export async function ownRedis(persistence: string[] = ['--appendonly', 'yes', '--appendfsync', 'always']): Promise<Available<OwnRedis>> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return unavailable('redis-server is not installed (Debian package redis-server)');
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'wahook-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ReturnType<typeof spawn> | null = null;
  const start = async (): Promise<void> => {
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', ...persistence], { stdio: 'ignore' });
    child = c;
    for (let i = 0; i < 200; i++) {
      if ((await redisAnswers(url)) === null) return;
      if (c.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    c.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${port}`);
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = null;
    if (c === null || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  process.once('exit', () => child?.kill('SIGKILL'));
  try {
    await start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return unavailable((e as Error).message);
  }
  return { ok: true, value: { port, url, kill, start, stop: async () => { await kill(); rmSync(dir, { recursive: true, force: true }); } } };
}

/** The server binaries: pg_config's bindir, else Debian's newest /usr/lib/postgresql/<major>/bin. */
function postgresBinDir(): string | null {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromConfig.status === 0 && existsSync(join(fromConfig.stdout.trim(), 'initdb'))) return fromConfig.stdout.trim();
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return null;
  const majors = readdirSync(debian).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  const found = majors.map((m) => join(debian, m, 'bin')).find((d) => existsSync(join(d, 'initdb')));
  return found ?? null;
}

export interface PrivatePostgres {
  readonly url: string;
  /** `pg_ctl stop -m fast`: every connection is cut and the port closes. */
  stop(): Promise<void>;
  /** Starts the stopped cluster again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it if running and deletes its files. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own, in a temporary dir, on a free
 * port: a test may stop and start it without disturbing anyone else's
 * server. initdb refuses to run as root, so root runs it as the `postgres`
 * user.
 */
export async function privatePostgres(): Promise<Available<PrivatePostgres>> {
  const bin = postgresBinDir();
  if (bin === null) return unavailable('initdb is not installed (Debian package postgresql)');
  const asRoot = process.getuid?.() === 0;
  let ids: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) return unavailable('running as root, and there is no `postgres` user to run initdb as');
    ids = { uid, gid };
  }
  const dir = mkdtempSync(join(tmpdir(), 'wahook-pg-'));
  chmodSync(dir, 0o755);
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, 'data');
  const port = await freeTcpPort();
  const run = (tool: string, args: string[]): { ok: boolean; output: string } => {
    const r = spawnSync(join(bin, tool), args, { encoding: 'utf8', cwd: dir, ...(ids ?? {}), timeout: 120_000 });
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  };
  const init = run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  if (!init.ok) {
    rmSync(dir, { recursive: true, force: true });
    return unavailable(`initdb failed: ${init.output.trim().split('\n').slice(-3).join(' ')}`);
  }
  // Small, so a test's cluster costs little beside the shared server; the socket stays in the temp dir.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c shared_buffers=16MB -c max_connections=40`;
  const pgCtl = async (args: string[]): Promise<void> => {
    const r = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(join(bin, 'pg_ctl'), args, { cwd: dir, ...(ids ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('exit', (code) => resolve({ code, output }));
    });
    if (r.code !== 0) throw new Error(`pg_ctl ${args[0]} failed: ${r.output.trim()}`);
  };
  const start = (): Promise<void> => pgCtl(['start', '-D', data, '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', options]);
  const stop = (mode: 'fast' | 'immediate'): Promise<void> => pgCtl(['stop', '-D', data, '-w', '-t', '60', '-m', mode]);
  try {
    await start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return unavailable(`the private PostgreSQL did not start: ${(e as Error).message}`);
  }
  let running = true;
  return {
    ok: true,
    value: {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: async () => {
        await stop('fast');
        running = false;
      },
      start: async () => {
        await start();
        running = true;
      },
      destroy: async () => {
        if (running) await stop('immediate').catch(() => undefined);
        running = false;
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}
