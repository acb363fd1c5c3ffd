import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';

export const SECRET = 'bench-app-secret';
let seq = 0;

/** ~400-byte Cloud API text message with a unique id, signed per request like Meta does. */
export function signedRequest(): { body: string; headers: Record<string, string> } {
  const id = `wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCRDQ1OEI2QUY${(seq++).toString(36)}`;
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
      contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
      messages: [{ from: '16505551234', id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'Does it come in another color?' } }],
    } }] }],
  });
  const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': sig } };
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

export async function load(url: string, opts: { connections: number; durationS: number; rate?: number }): Promise<LoadResult> {
  const r = await autocannon({
    url,
    method: 'POST',
    connections: opts.connections,
    duration: opts.durationS,
    overallRate: opts.rate,
    pipelining: 1,
    requests: [{ setupRequest: (req: any) => ({ ...req, ...signedRequest() }) }],
  } as any);
  const lat = r.latency as any;
  return {
    rps: r.requests.average,
    p50: lat.p50, p99: lat.p99, p999: lat.p99_9 ?? lat.p999,
    errors: r.errors + r.timeouts, non2xx: r.non2xx, ok: r['2xx'], total: r.requests.total,
  };
}
