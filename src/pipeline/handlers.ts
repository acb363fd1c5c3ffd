import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { EventKind, WahookEvent } from '../core/events.js';
import { GatewayError } from '../core/errors.js';

export interface HandlerContext {
  /** The event's idempotency key: stable across retries and replays. */
  readonly key: string;
  /** 1 on the first call, 2 on the first retry, … */
  readonly attempt: number;
  /**
   * Aborts when the handler's time (`worker.handlerTimeoutMs`) is up: the attempt has then failed and will be
   * retried, so pass it to `fetch` and the like to stop work nobody waits for any more.
   */
  readonly signal: AbortSignal;
}

export type EventHandler = (event: WahookEvent, ctx: HandlerContext) => unknown | Promise<unknown>;

/** A handlers module exports one function per event kind, and optionally `event` for all of them. */
export type Handlers = Partial<Record<EventKind | 'event', EventHandler>>;

const KINDS = new Set(['message', 'status', 'field', 'session', 'unknown', 'media', 'event']);

/** Identity helper that gives a handlers module its types. @example export default defineHandlers({ message: async (e, { key }) => {} }) */
export function defineHandlers(h: Handlers): Handlers {
  return h;
}

export function handlerFor(h: Handlers, e: WahookEvent): EventHandler | undefined {
  return h[e.kind] ?? h.event;
}

export async function loadHandlers(path: string): Promise<Handlers> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "handlers": cannot load ${path} (${(e as Error).message})`);
  }
  const source = (typeof mod.default === 'object' && mod.default !== null ? mod.default : mod) as Record<string, unknown>;
  const handlers: Handlers = {};
  for (const [k, v] of Object.entries(source)) {
    if (!KINDS.has(k)) continue;
    if (typeof v !== 'function') throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "handlers": export "${k}" is not a function`);
    handlers[k as keyof Handlers] = v as EventHandler;
  }
  if (Object.keys(handlers).length === 0) {
    throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', `Invalid config key "handlers": ${path} exports none of ${[...KINDS].join(', ')}`);
  }
  return handlers;
}
