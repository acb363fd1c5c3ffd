import type { EventKind, WahookEvent } from './events.js';

/**
 * A job target and the events it takes: handlers and forwarding take every
 * event, a media target only media messages. Routing is data, so every
 * engine enqueues exactly the same jobs.
 */
export interface JobTargetSpec {
  readonly name: string;
  /** Event kinds it takes; all when absent. */
  readonly kinds?: readonly EventKind[];
  /** Event types it takes (e.g. `image`); all when absent. */
  readonly types?: readonly string[];
}

/** @example targetsFor([{ name: 'handler' }, { name: 'media', kinds: ['message'], types: ['image'] }], statusEvent) // ['handler'] */
export function targetsFor(specs: readonly JobTargetSpec[], e: WahookEvent): string[] {
  const out: string[] = [];
  for (const s of specs) {
    if (s.kinds !== undefined && !s.kinds.includes(e.kind)) continue;
    if (s.types !== undefined && !s.types.includes(e.type)) continue;
    out.push(s.name);
  }
  return out;
}
