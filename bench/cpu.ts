/**
 * CPU time a run costs per request, read from /proc: a steadier measure than latency on a machine
 * whose cores are shared, and one that shows where the work goes (the edge, or the database).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { procStat } from './lib.js';
import { sql } from './services.js';

/** A process and every process below it (a cluster's receiving processes). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // Exited while listed.
    }
  }
  const all = [root];
  for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]!) ?? []));
  return all;
}

/** CPU milliseconds of each process that is still there. */
function cpuByPid(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      out.set(pid, procStat(pid).cpuMs);
    } catch {
      // Exited, or on another machine (a remote database server).
    }
  }
  return out;
}

/** CPU the processes spent between two readings; processes that appeared in between count from their start. */
export interface CpuMeter {
  stop(): Promise<number | null>;
}

/** Meters the processes `pids()` names when asked, at the start and at stop; null when none could be read. */
export async function meterCpu(pids: () => Promise<number[]> | number[]): Promise<CpuMeter> {
  const before = cpuByPid(await pids());
  return {
    async stop() {
      const after = cpuByPid(await pids());
      if (after.size === 0) return null;
      let ms = 0;
      for (const [pid, cpu] of after) ms += cpu - (before.get(pid) ?? 0);
      return ms;
    },
  };
}

/** The server processes of PostgreSQL connections that carry `applicationName`. */
export async function backendPids(url: string, applicationName: string): Promise<number[]> {
  const r = await sql(url, 'SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  return r.rows.map((row: { pid: number }) => row.pid);
}
