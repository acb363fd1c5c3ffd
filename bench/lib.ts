import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { signCloudApi } from '../src/core/signature.js';
import { benchMessageId, cloudTextMessage } from '../src/loadgen/payloads.js';

export const SECRET = 'bench-app-secret';

/** `--name value` from the command line, as a number. */
export const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
};

/** `--name value` from the command line, as text. */
export const argText = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : process.argv[i + 1]!;
};

/** Whether `--name` is on the command line. */
export const hasFlag = (name: string): boolean => process.argv.includes(`--${name}`);

/** Prints rows as an aligned table; on stderr under `--json`, so stdout is then one JSON object. */
export function printTable(title: string, rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!);
  const cell = (v: string | number | undefined): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v ?? ''));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(width[i]!)).join('  ');
  const out = hasFlag('json') ? process.stderr : process.stdout;
  out.write(`\n${title}\n${line(cols)}\n${line(width.map((w) => '-'.repeat(w)))}\n`);
  for (const r of rows) out.write(`${line(cols.map((c) => cell(r[c])))}\n`);
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const CRLF2 = Buffer.from('\r\n\r\n');
const SIG = Buffer.from('x-hub-signature-256: ');

/**
 * Body and signature of one prebuilt raw request from the shared pool. Signing happens when the pool is
 * built, as with the lean generator: a generator that signs in its hot loop spends its share of the two
 * cores on HMACs (about 6 of its 28 µs per request here) instead of load.
 */
export function pooledRequest(raw: Buffer): { body: Buffer; headers: Record<string, string> } {
  const headEnd = raw.indexOf(CRLF2);
  const at = raw.indexOf(SIG) + SIG.length;
  const sig = raw.toString('latin1', at, raw.indexOf(13, at));
  return { body: raw.subarray(headEnd + 4), headers: { 'content-type': 'application/json', 'x-hub-signature-256': sig } };
}

export interface ProcStat { cpuMs: number; rssMb: number; hwmMb: number }

/** CPU (user+sys) and memory of a process, read from /proc so the server measures nothing itself. */
export function procStat(pid: number): ProcStat {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { cpuMs: (ticks * 1000) / 100, rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

export async function startChild(script: string, args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = fork(script, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = Number(env.PORT);
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`);
      return child;
    } catch {
      if (Date.now() > end) throw new Error(`${script} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface LoadResult {
  rps: number; p50: number; p99: number; p999: number; errors: number; non2xx: number; ok: number; total: number;
}

let seq = 0;

/** A request built and signed when it is sent, as the edge bench's autocannon did before it used the pool. */
function signedNow(): { body: Buffer; headers: Record<string, string> } {
  const body = cloudTextMessage({ id: benchMessageId(900_000_000 + seq++), nowSec: Math.floor(Date.now() / 1000) });
  return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signCloudApi(body, SECRET) } };
}

/** `signEach`: build and sign every request in autocannon's loop instead of taking it from the pool. */
export async function load(url: string, next: () => Buffer, opts: { connections: number; durationS: number; rate?: number; signEach?: boolean }): Promise<LoadResult> {
  const r = await autocannon({
    url,
    method: 'POST',
    connections: opts.connections,
    duration: opts.durationS,
    overallRate: opts.rate,
    pipelining: 1,
    requests: [{ setupRequest: (req: any) => ({ ...req, ...(opts.signEach === true ? signedNow() : pooledRequest(next())) }) }],
  } as any);
  const lat = r.latency as any;
  return {
    rps: r.requests.average,
    p50: lat.p50, p99: lat.p99, p999: lat.p99_9 ?? lat.p999,
    errors: r.errors + r.timeouts, non2xx: r.non2xx, ok: r['2xx'], total: r.requests.total,
  };
}
