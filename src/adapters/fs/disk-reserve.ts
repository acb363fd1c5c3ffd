import { statfsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { GatewayError } from '../../core/errors.js';
import type { AppendResult, DeliveryStore, NewDelivery } from '../../ports/delivery-log.js';
import type { ErrorCode } from '../../core/errors.js';

/** Free bytes of the filesystem a path lives on, as an unprivileged writer may use them. */
export type FreeBytes = (dir: string) => Promise<number>;

const freeBytes: FreeBytes = async (dir) => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

export interface DiskReserveOptions {
  readonly dir: string;
  /** Below this many free bytes the reserve is short; 0 never is. */
  readonly minFreeBytes: number;
  readonly intervalMs?: number;
  /** Told when the reserve becomes short, and when it is whole again. */
  readonly onChange?: (short: boolean, free: number) => void;
  /** The check itself; tests give a fake filesystem. */
  readonly free?: FreeBytes;
}

/** Free space on a filesystem, watched against a reserve kept for what must still be written. */
export interface DiskReserve {
  /** As of the last check; never a statfs of its own, so it is cheap on every request. */
  readonly short: boolean;
  /** Checks now (the timer does so every interval). */
  check(): Promise<void>;
  stop(): void;
}

/**
 * A free-space watermark: statfs on an unref'ed timer, never on a request.
 * The first answer is taken synchronously, so a gateway started on a full
 * disk refuses from its first request. A failed statfs changes nothing.
 *
 * @example const reserve = watchDiskReserve({ dir: dataDir, minFreeBytes: 64 << 20 });
 */
export function watchDiskReserve(o: DiskReserveOptions): DiskReserve {
  const free = o.free ?? freeBytes;
  let short = false;
  let checking: Promise<void> | undefined;
  const judge = (bytes: number): void => {
    const now = bytes < o.minFreeBytes;
    if (now === short) return;
    short = now;
    o.onChange?.(now, bytes);
  };
  if (o.free === undefined && o.minFreeBytes > 0) {
    try {
      const s = statfsSync(o.dir);
      judge(s.bavail * s.bsize);
    } catch {
      // The timer tries again; the store's own writes report a real failure.
    }
  }
  const check = (): Promise<void> =>
    (checking ??= free(o.dir).then(judge, () => undefined).finally(() => (checking = undefined)));
  const timer = o.minFreeBytes > 0 ? setInterval(() => void check(), o.intervalMs ?? 1000) : undefined;
  timer?.unref();
  return {
    get short() {
      return short;
    },
    check,
    stop: () => clearInterval(timer),
  };
}

/**
 * The store behind a reserve: while the reserve is short, a delivery is
 * answered 503 WAHOOK_ERR_DISK_FULL before it is written, and readiness
 * fails, so the space left goes to what is already accepted (the worker's
 * events, checkpoints) rather than to more deliveries.
 */
export function withDiskReserve(store: DeliveryStore, reserve: DiskReserve): DeliveryStore {
  const refuse = (): GatewayError => new GatewayError('WAHOOK_ERR_DISK_FULL');
  return {
    append: (d: NewDelivery): Promise<AppendResult> => (reserve.short ? Promise.reject(refuse()) : store.append(d)),
    appendWith: (d, done) => (reserve.short ? done(refuse()) : store.appendWith(d, done)),
    recordRejection: (code: ErrorCode) => store.recordRejection(code),
    ping: () => (reserve.short ? Promise.reject(refuse()) : store.ping()),
    close: async () => {
      reserve.stop();
      await store.close();
    },
  };
}
