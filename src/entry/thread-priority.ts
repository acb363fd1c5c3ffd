import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { platform, setPriority } from 'node:os';

export interface BackgroundPriority {
  readonly cpu: 'idle' | 'nice' | 'normal';
  readonly io: 'idle' | 'normal';
}

const run = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore', timeout: 2000 }).status === 0;

/**
 * Makes the calling thread background work that the edge always preempts,
 * for CPU and for the disk.
 *
 * On Linux, scheduling policy, nice value and I/O priority are per thread
 * (NPTL). SCHED_IDLE is the strong form for the CPU: a waking edge thread
 * preempts an idle-class thread at once, where a niced thread can keep the
 * core for a scheduler slice. The idle I/O class matters as much: a stream
 * of synced writes beside the edge slows it far more than a busy CPU at
 * either priority does (BENCHMARKS.md, event pipeline), and the worker's
 * checkpoints are such a stream. Node has no binding for
 * sched_setscheduler or ioprio_set, so util-linux `chrt` and `ionice` set them
 * on this thread's id; without them, nice 10 is the fallback. Elsewhere these
 * calls would change the whole process, so nothing is done.
 */
export function runAsBackground(): BackgroundPriority {
  if (platform() !== 'linux') return { cpu: 'normal', io: 'normal' };
  let tid: string | undefined;
  try {
    tid = readlinkSync('/proc/thread-self').split('/').pop();
  } catch {
    /* no procfs */
  }
  const io = tid !== undefined && run('ionice', ['-c', '3', '-p', tid]) ? 'idle' : 'normal';
  if (tid !== undefined && run('chrt', ['--idle', '--pid', '0', tid])) return { cpu: 'idle', io };
  try {
    setPriority(0, 10);
    return { cpu: 'nice', io };
  } catch {
    return { cpu: 'normal', io };
  }
}
