/**
 * The servers the scale benchmarks run against: a PostgreSQL schema of their own (migrated by
 * `wahook migrate`, dropped afterwards) and a redis-server they start themselves with every write
 * fsynced, as the Redis Streams queue requires.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { freeTcpPort } from '../test/helpers/services.js';
import { argText } from './lib.js';

export const wahookBin = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'bin', 'wahook.js');

/** `--database-url`, else `WAHOOK_BENCH_DATABASE_URL`, else the local server's `test` database. */
export const databaseUrl = (): string => argText('database-url', process.env.WAHOOK_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');

export interface BenchSchema {
  readonly schema: string;
  /** The database URL with `application_name` set to the schema, so the connections wahook opens can be counted. */
  readonly url: string;
  drop(): Promise<void>;
}

let schemas = 0;

/** A fresh, migrated schema named after the bench and this process. */
export async function benchSchema(base: string, label: string): Promise<BenchSchema> {
  const schema = `bench_${label}_${process.pid}_${schemas++}`;
  const sep = base.includes('?') ? '&' : '?';
  const url = `${base}${sep}application_name=${schema}`;
  await promisify(execFile)(process.execPath, [wahookBin, 'migrate', '--database-url', url, '--db-schema', schema, '--log-level', 'warn']);
  return { schema, url, drop: () => sql(base, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined) };
}

/** One statement on a connection of its own. */
export async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, values);
  } finally {
    await c.end();
  }
}

/**
 * Samples how many server connections carry `applicationName` until stopped, and returns the peak.
 * One connection of its own, outside the counted name.
 */
export function connectionPeak(base: string, applicationName: string, everyMs = 50): { stop(): Promise<number> } {
  let running = true;
  let peak = 0;
  const done = (async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      while (running) {
        const r = await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
        peak = Math.max(peak, r.rows[0].n as number);
        await new Promise((res) => setTimeout(res, everyMs));
      }
    } finally {
      await c.end();
    }
  })();
  return { stop: async () => { running = false; await done; return peak; } };
}

export interface BenchRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/** A redis-server on a free port and a temporary dir, with `appendonly yes` and `appendfsync always`. */
export async function startRedis(): Promise<BenchRedis> {
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'wahook-bench-redis-'));
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const end = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // Refused while the server starts: connect() rejects with it, and the event would be reported as unhandled.
    probe.on('error', () => undefined);
    const up = await probe.connect().then(() => probe.ping(), () => null);
    probe.disconnect();
    if (up === 'PONG') break;
    if (Date.now() > end) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
