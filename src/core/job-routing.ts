import { conversationOf } from './conversation.js';
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
  /**
   * Only events that carry this field (e.g. `media`). WASender names a
   * message event after the webhook (`messages.upsert`), not its content, so
   * media messages are told apart by the media reference they carry.
   */
  readonly has?: string;
  /**
   * The lane its jobs queue in: the conversation's (the default), so a
   * handler sees a customer's events in order; or each event's own, for
   * independent work such as a download, where one slow or retrying item
   * must not hold the items behind it.
   */
  readonly lane?: 'conversation' | 'event';
}

function takes(s: JobTargetSpec, e: WahookEvent): boolean {
  if (s.kinds !== undefined && !s.kinds.includes(e.kind)) return false;
  if (s.types !== undefined && !s.types.includes(e.type)) return false;
  return s.has === undefined || (e[s.has] !== undefined && e[s.has] !== null);
}

/** @example targetsFor([{ name: 'handler' }, { name: 'media', kinds: ['message'], types: ['image'] }], statusEvent) // ['handler'] */
export function targetsFor(specs: readonly JobTargetSpec[], e: WahookEvent): string[] {
  return specs.filter((s) => takes(s, e)).map((s) => s.name);
}

/** @example laneOf('event', e) // 'default:cloud_api:message:wamid.1' */
export function laneOf(lane: JobTargetSpec['lane'], e: WahookEvent): string {
  return lane === 'event' ? `${e.tenant}:${e.key}` : conversationOf(e);
}

/**
 * The jobs an event makes: each target that takes it, with the lane the job
 * runs in.
 *
 * @example routesFor([{ name: 'media', has: 'media', lane: 'event' }], imageEvent) // [{ target: 'media', lane: 'default:cloud_api:message:wamid.1' }]
 */
export function routesFor(specs: readonly JobTargetSpec[], e: WahookEvent): { target: string; lane: string }[] {
  return specs.filter((s) => takes(s, e)).map((s) => ({ target: s.name, lane: laneOf(s.lane, e) }));
}
