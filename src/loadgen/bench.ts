import { randomBytes } from 'node:crypto';
import { GatewayError } from '../core/errors.js';
import { signCloudApi } from '../core/signature.js';
import { drive, newDriveState, type DriveResult } from './drive.js';
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
  /** Re-sends of a request answered other than 2xx or not at all (default 3), after a back-off from `retryBackoffMs` (default 100), doubling. */
  readonly retries?: number;
  readonly retryBackoffMs?: number;
  /** An https:// target whose certificate is not checked (a staging host with a self-signed one). */
  readonly insecure?: boolean;
  readonly seed?: number;
  readonly progress?: ProgressSink;
}

/** The run's traffic without its bodies, which live on only inside the packed requests. */
export type SentTraffic = Omit<Traffic, 'deliveries'> & { readonly expects: readonly (readonly string[])[] };

export interface BenchRun {
  readonly traffic: SentTraffic;
  readonly run: DriveResult;
  /** The mark in this run's message ids. */
  readonly tag: string;
  /** The payloads' timestamp, seconds since the epoch. */
  readonly nowSec: number;
}

function target(url: string): { host: string; port: number; path: string; hostHeader: string; https: boolean } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `--url ${url} is not a URL (e.g. http://127.0.0.1:3000/webhook)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `--url ${url}: only http:// and https:// targets are supported`);
  const https = u.protocol === 'https:';
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (https ? 443 : 80)), path: `${u.pathname}${u.search}`, hostHeader: u.host, https };
}

/**
 * Every request in one buffer: a run's tens of thousands of small Buffers
 * would make the generator's own garbage collections show up as latency.
 */
function packRequests(parts: Buffer[]): (i: number) => Buffer {
  const ends = new Float64Array(parts.length);
  let total = 0;
  parts.forEach((p, i) => (ends[i] = total += p.length));
  const all = Buffer.concat(parts, total);
  parts.length = 0;
  return (i) => all.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]!);
}

/** Built here so that the bodies are garbage once packed: only the request bytes stay for the run. */
function signedTraffic(o: BenchOptions, t: ReturnType<typeof target>, tag: string, nowSec: number): { requests: (i: number) => Buffer; sent: SentTraffic } {
  const { deliveries, ...rest } = buildTraffic({ count: o.schedule.count, duplicateRate: o.duplicateRate, tag, nowSec, seed: o.seed });
  const requests = packRequests(deliveries.map((d) =>
    buildRequest(t.hostHeader, t.path, { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(d.body, o.secret) }, d.body),
  ));
  return { requests, sent: { ...rest, expects: deliveries.map((d) => d.expects) } };
}

/**
 * Builds and signs the whole run's traffic first (signing during the run
 * would take the generator's CPU from the load), then sends it on schedule.
 */
export async function runBench(o: BenchOptions): Promise<BenchRun> {
  const t = target(o.url);
  const tag = randomBytes(6).toString('hex');
  const nowSec = Math.floor(Date.now() / 1000);
  const { requests, sent } = signedTraffic(o, t, tag, nowSec);
  const state = newDriveState();
  let progress: { stop(): void } | undefined;
  const onStart = (): void => {
    if (o.progress) progress = startProgress(o.progress, o.schedule.count, state);
  };
  try {
    const run = await drive({ host: t.host, port: t.port, ...(t.https ? { tls: { rejectUnauthorized: o.insecure !== true } } : {}), connections: o.connections, schedule: o.schedule, timeoutMs: o.timeoutMs, retries: o.retries ?? 3, retryBackoffMs: o.retryBackoffMs ?? 100, request: (i) => requests(sent.sends[i]!), onStart }, state);
    return { traffic: sent, run, tag, nowSec };
  } finally {
    progress?.stop();
  }
}

/** Identities of every event that the acknowledged (2xx) requests carried, at their first attempt or a retry. */
export function acknowledgedEvents(b: BenchRun): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < b.run.planned; i++) {
    const code = b.run.status[i]!;
    if (code >= 200 && code < 300) for (const id of b.traffic.expects[b.traffic.sends[i]!]!) out.add(id);
  }
  return out;
}
