import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type?: 'major' | 'minor' }) => void;

/**
 * The collector, or undefined where this V8 will not hand it out: the
 * global one under --expose-gc, else one reached by turning the flag on for
 * the moment it takes to look it up (and off again, so no other context
 * gets a `gc` global). Without it downloads still work; memory is then
 * bounded only by V8's own heuristics.
 */
function collector(): Collect | undefined {
  const exposed = (globalThis as { gc?: Collect }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const found = runInNewContext('gc') as unknown;
    return typeof found === 'function' ? (found as Collect) : undefined;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** Looked up on the first download, so merely loading the worker (every CLI command does) touches no V8 flag. */
let collect: Collect | undefined | null = null;
/** Downloaded bytes between two young-generation collections. */
export const RECLAIM_EVERY_BYTES = 4 * 1024 * 1024;
let sinceLast = 0;

/**
 * Counts downloaded bytes and collects the young generation every
 * RECLAIM_EVERY_BYTES.
 *
 * Why a forced collection: Node reads every socket chunk (TLS included)
 * into a fresh buffer, so a download leaves its whole size behind as
 * garbage whatever the consumer does. Backpressure, a smaller highWaterMark
 * or fetch() change when chunks are read, not that each is new memory, and
 * V8 frees them only once tens of megabytes are waiting, then with full
 * mark-compacts for "external memory pressure", which cost more than these
 * scavenges. Reading into one reused buffer (a socket's `onread`) bypasses
 * Node's HTTP parser: it would mean parsing HTTP from remote hosts by hand.
 *
 * Why it is safe for the edge: a collection stops only the isolate that
 * runs it (its parallel helpers share the CPU for as long), and downloads
 * never run on the edge's isolate: `serve` runs them in the
 * worker thread, a cluster in its primary process, `wahook worker` in a
 * process of its own. A scavenge costs what is still alive, and chunks
 * already written are not, so each is short. See docs/media.md#limits.
 */
export function downloaded(bytes: number): void {
  if (collect === null) collect = collector();
  if (collect === undefined) return;
  sinceLast += bytes;
  if (sinceLast < RECLAIM_EVERY_BYTES) return;
  sinceLast = 0;
  collect({ type: 'minor' });
}
