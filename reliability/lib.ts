import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { procStat } from '../bench/lib.js';
import { loadConfig, type Config } from '../src/config/load.js';
import { openConnection, type Conn } from '../src/loadgen/http-client.js';
import { collectStats } from '../src/pipeline/stats.js';
import { allDeliveries, tempDir } from '../test/helpers/gateway.js';
import { openStores, until } from '../test/helpers/pipeline.js';
import { freePort, runWahook, spawnWahook, waitForHttp, type Spawned } from '../test/helpers/process.js';
import { dropSchema, postgres, POSTGRES_URL, testSchema } from '../test/helpers/services.js';

export const SECRET = 'reliability-secret';
export type EngineKind = 'sqlite' | 'postgres';

/** `--name value` from the command line, as a string. */
export const flag = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : process.argv[i + 1] ?? def;
};

/** `--name value` from the command line, as a number. */
export const numFlag = (name: string, def: number): number => Number(flag(name, String(def)));

/** Whether the module at `url` is the script node was asked to run (not imported by a test). */
export const isMain = (url: string): boolean => process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;

/** Both engines, PostgreSQL with the reason to skip it when it cannot be reached. */
export async function enginesToTest(): Promise<{ engine: EngineKind; skip: string | false }[]> {
  const db = await postgres();
  return [{ engine: 'sqlite', skip: false }, { engine: 'postgres', skip: db.ok ? false : db.reason }];
}

/** A store of the scenario's own: a fresh data dir, and for PostgreSQL a fresh, migrated schema. */
export interface ScenarioStore {
  readonly env: Record<string, string>;
  readonly dataDir: string;
  readonly config: Config;
  dispose(): Promise<void>;
}

export async function prepareStore(engine: EngineKind, dataDir = tempDir('wahook-reliability-')): Promise<ScenarioStore> {
  const env: Record<string, string> = { WAHOOK_APP_SECRET: SECRET, WAHOOK_DATA_DIR: dataDir, WAHOOK_WORKER_POLL_MS: '10' };
  const schema = engine === 'postgres' ? testSchema('wahook_rel') : undefined;
  if (schema !== undefined) {
    Object.assign(env, { DATABASE_URL: POSTGRES_URL, WAHOOK_DB_SCHEMA: schema });
    const migrated = await runWahook(['migrate'], env);
    if (migrated.code !== 0) throw new Error(`wahook migrate failed: ${migrated.stderr}`);
  }
  return {
    env, dataDir,
    config: loadConfig({ flags: {}, env }),
    dispose: async () => {
      if (schema !== undefined) await dropSchema(POSTGRES_URL, schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Serving { readonly port: number; readonly proc: Spawned }

/** `wahook serve` as a child process on a free loopback port, once it answers /healthz. */
export async function startServe(env: Record<string, string>): Promise<Serving> {
  const port = await freePort();
  const proc = spawnWahook(['serve'], { ...env, PORT: String(port), WAHOOK_HOST: '127.0.0.1' });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000);
  } catch (e) {
    proc.child.kill('SIGKILL');
    throw new Error(`serve did not start: ${proc.stderr()}`, { cause: e });
  }
  return { port, proc };
}

export async function stopServe(s: Serving, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (s.proc.child.exitCode === null && s.proc.child.signalCode === null) s.proc.child.kill(signal);
  return (await s.proc.exited).code;
}

export interface Fired {
  /** Indexes of the requests answered 200. */
  readonly acked: number[];
  readonly statuses: Record<string, number>;
  /** Requests that got no answer (connection refused, reset or closed). */
  readonly unanswered: number;
  readonly sent: number;
  readonly ms: number;
  /** Time to each answer from when its request was due (open loop), in ms. */
  readonly latencies: Float64Array;
}

// A request sent on a connection the server already closed would wait forever for its answer.
const ANSWER_TIMEOUT_MS = 10_000;

function answered(conn: Conn, req: Buffer): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<number>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer')), ANSWER_TIMEOUT_MS)));
  return Promise.race([conn.send(req), late]).finally(() => clearTimeout(timer));
}

/**
 * Sends requests 0..count-1 over `connections` keep-alive connections of the
 * lean load generator, open loop at `rate` per second (latency timed from
 * when each was due). A connection that fails stops; what it had not sent
 * is never sent, so every index is either answered or counted unanswered.
 */
export async function fire(port: number, o: { count: number; rate: number; connections: number; request: (i: number) => Buffer; onAnswer?: (answers: number) => void }): Promise<Fired> {
  const acked: number[] = [];
  const statuses: Record<string, number> = {};
  const latencies = new Float64Array(o.count);
  let answers = 0;
  let next = 0;
  let sent = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: o.connections }, async () => {
    let conn: Conn;
    try {
      conn = await openConnection('127.0.0.1', port);
    } catch {
      return;
    }
    try {
      while (next < o.count) {
        const i = next++;
        const due = started + (i * 1000) / o.rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        sent++;
        // A timer may wake a little before its time: a request sent early is timed from when it was sent.
        const from = Math.min(due, performance.now());
        const status = await answered(conn, o.request(i));
        latencies[answers++] = performance.now() - from;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 200) acked.push(i);
        o.onAnswer?.(answers);
      }
    } catch {
      /* the gateway went away under this connection */
    } finally {
      conn.close();
    }
  }));
  return { acked, statuses, unanswered: sent - answers, sent, ms: performance.now() - started, latencies: latencies.subarray(0, answers) };
}

export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export interface OnceReport {
  readonly acked: number;
  /** Acknowledged deliveries missing from the delivery log or without their message event. */
  readonly lost: number;
  /** Message ids with more than one message event. */
  readonly duplicated: number;
  readonly storedDeliveries: number;
  readonly messageEvents: number;
}

/** Waits (beside a running worker) until the backlog is drained, then checks every acknowledged message id against the store. */
export async function verifyExactlyOnce(config: Config, ackedIds: readonly string[], drainTimeoutMs = 120_000): Promise<OnceReport> {
  const stores = await openStores(config);
  try {
    await until(async () => (await collectStats(stores.log, stores.query, stores.jobs, Date.now())).queueDepth === 0, drainTimeoutMs, 'the worker to drain the backlog');
    const stored = new Set((await allDeliveries(stores.log)).map((d) => messageIdOf(d.body)));
    const events = await stores.query.events({ kind: 'message', limit: 10_000_000 });
    const seen = new Map<string, number>();
    for (const e of events) if (e.messageId !== undefined) seen.set(e.messageId, (seen.get(e.messageId) ?? 0) + 1);
    return {
      acked: ackedIds.length,
      lost: ackedIds.filter((id) => !stored.has(id) || !seen.has(id)).length,
      duplicated: [...seen.values()].filter((n) => n > 1).length,
      storedDeliveries: stored.size,
      messageEvents: events.length,
    };
  } finally {
    await stores.close();
  }
}

function messageIdOf(body: Buffer): string | undefined {
  try {
    return JSON.parse(body.toString('utf8')).entry?.[0]?.changes?.[0]?.value?.messages?.[0]?.id;
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MB, or 0 once it is gone. */
export function rssMb(pid: number): number {
  try {
    return procStat(pid).rssMb;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the samples. */
export function sampleRss(pid: number, everyMs = 250): { stop(): number[] } {
  const samples: number[] = [rssMb(pid)];
  const timer = setInterval(() => samples.push(rssMb(pid)), everyMs);
  return { stop: () => { clearInterval(timer); samples.push(rssMb(pid)); return samples; } };
}
