import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchMessageId, signedRequestPool } from '../src/loadgen/payloads.js';
import { http } from '../test/helpers/http.js';
import { fire, isMain, numFlag, prepareStore, SECRET, startServe, stopServe, verifyExactlyOnce } from './lib.js';

/** A way to take the data dir's storage away while `serve` runs, and to give it back. */
export interface StorageFault {
  readonly name: string;
  /** What `serve` needs beyond the store's settings to face this fault (the disk reserve for a small disk). */
  readonly env?: Readonly<Record<string, string>>;
  /** Why this fault cannot be made here, or undefined when it can. */
  unavailable(): string | undefined;
  /** Makes the data dir (returned) on storage this fault can break. */
  setUp(): string;
  break(dataDir: string): void;
  repair(dataDir: string): void;
  tearDown(): void;
}

const run = (cmd: string, args: string[]): { ok: boolean; err: string } => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: `${r.stderr ?? ''}${r.error?.message ?? ''}`.trim() };
};

/**
 * A tmpfs of a few MB holds the data dir; a filler file takes every free byte, and deleting it gives the space back.
 * The disk reserve (storeMinFreeMb) is scaled to the small disk: the default would leave no room at all.
 */
export function fullDisk(sizeMb: number, reserveMb = Math.max(1, Math.floor(sizeMb / 4))): StorageFault {
  let mount = '';
  const filler = (): string => join(mount, 'filler');
  return {
    name: `full disk (tmpfs of ${sizeMb} MB filled by a file, a reserve of ${reserveMb} MB)`,
    env: { WAHOOK_MIN_FREE_MB: String(reserveMb) },
    unavailable: () => {
      if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
      const at = mkdtempSync(join(tmpdir(), 'wahook-fulldisk-probe-'));
      const probe = run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', at]);
      if (probe.ok) run('umount', [at]);
      rmSync(at, { recursive: true, force: true });
      return probe.ok ? undefined : `cannot mount a tmpfs here: ${probe.err}`;
    },
    setUp: () => {
      mount = mkdtempSync(join(tmpdir(), 'wahook-fulldisk-'));
      const m = run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', mount]);
      if (!m.ok) throw new Error(`mount failed: ${m.err}`);
      mkdirSync(join(mount, 'data'));
      return join(mount, 'data');
    },
    break: () => {
      const fd = openSync(filler(), 'w');
      try {
        // Big writes first, then ever smaller ones, until not one more byte fits.
        for (const size of [1 << 20, 1 << 16, 4096, 512, 1]) {
          const chunk = Buffer.alloc(size, 1);
          for (;;) {
            try {
              if (writeSync(fd, chunk) < size) break;
            } catch {
              break;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    repair: () => rmSync(filler(), { force: true }),
    tearDown: () => {
      run('umount', ['-l', mount]);
      rmSync(mount, { recursive: true, force: true });
    },
  };
}

/**
 * The data dir and its files made immutable (`chattr +i`). Unlike chmod,
 * which a process that already has its files open never notices and root
 * bypasses, the flag refuses writes through descriptors already open, to
 * root too; a read-only remount is refused while files are open for writing.
 * SQLite's WAL index (`-shm`) is shared memory mapped from a file: with
 * `indexToo`, it is made immutable as well, and the next write to the mapping
 * kills the process with SIGBUS.
 */
export function readOnlyDir(indexToo: boolean): StorageFault {
  let root = '';
  const flag = (dataDir: string, on: boolean): void => {
    for (const f of [dataDir, ...readdirSync(dataDir).map((n) => join(dataDir, n))]) if (indexToo || !f.endsWith('-shm')) run('chattr', [on ? '+i' : '-i', f]);
  };
  return {
    name: `read-only data dir (chattr +i on the dir and its files${indexToo ? ', the mapped WAL index too' : ' but the mapped WAL index'}, while serve runs)`,
    unavailable: () => {
      const probeDir = mkdtempSync(join(tmpdir(), 'wahook-readonly-probe-'));
      const probe = join(probeDir, 'probe');
      const fd = openSync(probe, 'w');
      try {
        if (!run('chattr', ['+i', probe]).ok) return 'chattr +i is not supported here (needs root and ext2/3/4, xfs, btrfs or tmpfs)';
        try {
          writeSync(fd, 'x');
          return 'the immutable flag does not stop writes to an open file on this filesystem';
        } catch {
          return undefined;
        } finally {
          run('chattr', ['-i', probe]);
        }
      } finally {
        closeSync(fd);
        rmSync(probeDir, { recursive: true, force: true });
      }
    },
    setUp: () => {
      root = mkdtempSync(join(tmpdir(), 'wahook-readonly-'));
      mkdirSync(join(root, 'data'));
      return join(root, 'data');
    },
    break: (dataDir) => flag(dataDir, true),
    repair: (dataDir) => flag(dataDir, false),
    tearDown: () => {
      run('chattr', ['-R', '-i', root]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface StorageFaultReport {
  readonly fault: string;
  readonly before: Record<string, number>;
  readonly broken: Record<string, number>;
  readonly readyzWhileBroken: number;
  /** From the fault until /readyz first said not ready, ms (null: it did not); deliveries of the broken phase are sent after it. */
  readonly notReadyAfterMs: number | null;
  /** From the repair until /readyz said ready again, ms (null: it did not); the repaired phase is sent after it. */
  readonly readyAgainAfterMs: number | null;
  /** The signal (or exit code) the fault killed serve with, if it did. */
  readonly diedWith?: string;
  readonly repaired: Record<string, number>;
  readonly aliveAfter: boolean;
  /** Deliveries answered 200 (in any phase) that are missing from the store or without their event. */
  readonly lost: number;
  readonly duplicated: number;
}

/** Deliveries before, during and after the fault; every one is a fresh message. */
/** `warmUp: false` breaks the storage before the first delivery, so the worker's first write meets the fault. */
export async function storageFailure(fault: StorageFault, perPhase: number, o: { warmUp: boolean } = { warmUp: true }): Promise<StorageFaultReport> {
  const dataDir = fault.setUp();
  const store = await prepareStore('sqlite', dataDir);
  const env = { ...store.env, ...fault.env };
  const acked: string[] = [];
  let next = 0;
  let serving = await startServe(env);
  const readyz = (): Promise<number> => http(`http://127.0.0.1:${serving.port}/readyz`).then((r) => r.status, () => 0);
  try {
    const phase = async (): Promise<Record<string, number>> => {
      const first = next;
      next += perPhase;
      const pool = signedRequestPool(perPhase, SECRET, '127.0.0.1', '/webhook', first);
      const f = await fire(serving.port, { count: perPhase, rate: 500, connections: 4, request: (i) => pool.at(i) });
      for (const i of f.acked) acked.push(benchMessageId(first + i));
      return f.unanswered > 0 ? { ...f.statuses, unanswered: f.unanswered } : f.statuses;
    };
    const before = o.warmUp ? await phase() : {};
    fault.break(dataDir);
    let broken: Record<string, number>;
    let readyzWhileBroken: number;
    let notReadyAfterMs: number | null;
    try {
      // The disk reserve reads free space once a second: a sender in that second may still be stored and answered 200.
      notReadyAfterMs = await waitFor(async () => (await readyz()) !== 200, 10_000);
      broken = await phase();
      readyzWhileBroken = (await http(`http://127.0.0.1:${serving.port}/readyz`).catch(() => ({ status: 0 }))).status;
    } finally {
      fault.repair(dataDir);
    }
    // A process the fault killed is started again, as its supervisor would.
    const diedWith = serving.proc.child.exitCode !== null || serving.proc.child.signalCode !== null ? serving.proc.child.signalCode ?? `exit ${serving.proc.child.exitCode}` : undefined;
    if (diedWith !== undefined) serving = await startServe(env);
    const readyAgainAfterMs = await waitFor(async () => (await readyz()) === 200, 30_000);
    const repaired = await phase();
    const aliveAfter = (await http(`http://127.0.0.1:${serving.port}/healthz`).catch(() => ({ status: 0 }))).status === 200;
    const once = await verifyExactlyOnce(store.config, acked);
    return { fault: fault.name, before, broken, readyzWhileBroken, notReadyAfterMs, readyAgainAfterMs, diedWith, repaired, aliveAfter, lost: once.lost, duplicated: once.duplicated };
  } finally {
    await stopServe(serving);
    fault.repair(dataDir);
    await store.dispose();
    fault.tearDown();
  }
}

/** Polls `ok` until it holds; the time it took, ms, or null when it did not within `timeoutMs` (the phase is sent anyway). */
async function waitFor(ok: () => Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  while (!(await ok())) {
    if (Date.now() - started > timeoutMs) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

const within = (ms: number | null): string => (ms === null ? 'not within the wait' : `${ms} ms`);

const statuses = (s: Record<string, number>): string => Object.entries(s).map(([k, n]) => `${k}: ${n}`).join(', ') || 'no request got through';

export function summary(r: StorageFaultReport): string {
  return [
    `storage failure: ${r.fault}`,
    `  before: ${statuses(r.before)}; /readyz not ready ${within(r.notReadyAfterMs)} after the fault; broken: ${statuses(r.broken)} (/readyz ${r.readyzWhileBroken}); ready again ${within(r.readyAgainAfterMs)} after the repair; ${r.diedWith === undefined ? 'serve stayed up' : `serve died (${r.diedWith}) and was restarted`}; repaired: ${statuses(r.repaired)}`,
    `  process up after: ${r.aliveAfter}; acknowledged and lost ${r.lost}, duplicated ${r.duplicated}`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const perPhase = numFlag('per-phase', 1000);
  let failed = false;
  const diskMb = numFlag('disk-mb', 16);
  for (const fault of [fullDisk(diskMb, numFlag('reserve-mb', Math.max(1, Math.floor(diskMb / 4)))), readOnlyDir(false), readOnlyDir(true)]) {
    const why = fault.unavailable();
    if (why !== undefined) {
      console.log(`${fault.name}: not run, ${why}`);
      continue;
    }
    const r = await storageFailure(fault, perPhase);
    console.log(summary(r));
    failed ||= (r.broken['200'] ?? 0) > 0 || (r.diedWith === undefined && (r.broken['503'] ?? 0) === 0) || r.repaired['200'] !== perPhase || !r.aliveAfter || r.lost > 0 || r.duplicated > 0;
  }
  process.exitCode = failed ? 1 : 0;
}
