import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type?: 'major' | 'minor' }) => void;

/**
 * The collector, or undefined where this V8 will not hand it out: the
 * global one under --expose-gc, else one reached by turning the flag on for
 * the moment it takes to look it up.
 */
function collector(): Collect | undefined {
  const exposed = (globalThis as { gc?: Collect }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const found = runInNewContext('gc') as unknown;
    setFlagsFromString('--no-expose-gc');
    return typeof found === 'function' ? (found as Collect) : undefined;
  } catch {
    return undefined;
  }
}

/** Looked up on the first download, so merely loading the worker (every CLI command does) touches no V8 flag. */
let collect: Collect | undefined | null = null;
/** Downloaded bytes between two young-generation collections. */
export const RECLAIM_EVERY_BYTES = 4 * 1024 * 1024;
let sinceLast = 0;

/**
 * Counts downloaded bytes and collects the young generation every
 * RECLAIM_EVERY_BYTES. Each socket read arrives in a fresh buffer; V8 frees
 * those only after a collection, and starts one for their sake only once
 * tens of megabytes of them are waiting, so a fast download would grow the
 * process by that much. A young-generation collection is cheap (the chunks
 * and little else live there) and frees them while they are few.
 */
export function downloaded(bytes: number): void {
  if (collect === null) collect = collector();
  if (collect === undefined) return;
  sinceLast += bytes;
  if (sinceLast < RECLAIM_EVERY_BYTES) return;
  sinceLast = 0;
  collect({ type: 'minor' });
}
