import { randomBytes } from 'node:crypto';
import { GatewayError } from '../core/errors.js';
import { signCloudApi } from '../core/signature.js';
import { drive, type DriveResult, type DriveState } from './drive.js';
import { buildRequest } from './http-client.js';
import { startProgress, type ProgressSink } from './progress.js';
import type { Schedule } from './schedule.js';
import { buildTraffic, type Traffic } from './traffic.js';

export interface BenchOptions {
  readonly url: string;
  /** The receiver's app secret: every request carries its X-Hub-Signature-256. */
  readonly secret: string;
  readonly schedule: Schedule;
  readonly connections: number;
  readonly duplicateRate: number;
  readonly timeoutMs: number;
  readonly seed?: number;
  readonly progress?: ProgressSink;
}

export interface BenchRun {
  readonly traffic: Traffic;
  readonly run: DriveResult;
  /** The mark in this run's message ids. */
  readonly tag: string;
  /** The payloads' timestamp, seconds since the epoch. */
  readonly nowSec: number;
}

function target(url: string): { host: string; port: number; path: string; hostHeader: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `--url ${url} is not a URL (e.g. http://127.0.0.1:3000/webhook)`);
  }
  if (u.protocol !== 'http:') throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `--url ${url}: only http:// targets are supported; run the bench beside a TLS-terminating proxy's plain-HTTP port`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), path: `${u.pathname}${u.search}`, hostHeader: u.host };
}

/**
 * Builds and signs the whole run's traffic first (signing during the run
 * would take the generator's CPU from the load), then sends it on schedule.
 */
export async function runBench(o: BenchOptions): Promise<BenchRun> {
  const t = target(o.url);
  const tag = randomBytes(6).toString('hex');
  const nowSec = Math.floor(Date.now() / 1000);
  const traffic = buildTraffic({ count: o.schedule.count, duplicateRate: o.duplicateRate, tag, nowSec, seed: o.seed });
  const requests = traffic.deliveries.map((d) =>
    buildRequest(t.hostHeader, t.path, { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(d.body, o.secret) }, d.body),
  );
  const state: DriveState = { sent: 0, answered: 0, ok: 0, failed: 0 };
  let progress: { stop(): void } | undefined;
  const onStart = (): void => {
    if (o.progress) progress = startProgress(o.progress, o.schedule.count, state);
  };
  try {
    const run = await drive({ host: t.host, port: t.port, connections: o.connections, schedule: o.schedule, timeoutMs: o.timeoutMs, request: (i) => requests[traffic.sends[i]!]!, onStart }, state);
    return { traffic, run, tag, nowSec };
  } finally {
    progress?.stop();
  }
}

/** Identities of every event that the acknowledged (2xx) requests carried. */
export function acknowledgedEvents(b: BenchRun): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < b.run.sent; i++) {
    const code = b.run.status[i]!;
    if (code >= 200 && code < 300) for (const id of b.traffic.deliveries[b.traffic.sends[i]!]!.expects) out.add(id);
  }
  return out;
}
