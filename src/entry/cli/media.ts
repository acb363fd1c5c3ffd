import type { Config } from '../../config/load.js';
import { createEngine, openMediaIndex } from '../../compose.js';
import { GatewayError } from '../../core/errors.js';
import { messageKey } from '../../core/normalize/keys.js';
import { MEDIA_TARGET, MEDIA_TARGET_SPEC } from '../../pipeline/media/spec.js';
import type { MediaIndex, MediaState } from '../../ports/media-index.js';
import { intFlag, stringFlag, type ParsedArgs } from './args.js';

const STATES: readonly MediaState[] = ['pending', 'ready', 'failed'];
const USAGE = 'Usage: wahook media [--state S] [--tenant T] [--limit N] | wahook media fetch <message-id> [--tenant T]';

const line = (o: unknown): string => `${JSON.stringify(o)}\n`;

async function withIndex<T>(config: Config, fn: (index: MediaIndex) => Promise<T>, engine = createEngine(config)): Promise<T> {
  const index = await openMediaIndex(config, engine);
  try {
    return await fn(index);
  } finally {
    await index.close();
  }
}

/** `wahook media --json [--state S] [--tenant T] [--limit N]` and `wahook media fetch <message-id> [--tenant T]` */
export async function mediaCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const [, sub, id, extra] = args.positional;
  if (sub === undefined) return list(args, config, out);
  if (sub !== 'fetch' || id === undefined || extra !== undefined) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', USAGE);
  return fetchAgain(id, stringFlag(args.flags, 'tenant'), config, out);
}

async function list(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const state = stringFlag(args.flags, 'state');
  if (state !== undefined && !(STATES as readonly string[]).includes(state)) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Flag --state expects one of ${STATES.join(', ')}`);
  const items = await withIndex(config, (index) =>
    index.list({ state: state as MediaState | undefined, tenant: stringFlag(args.flags, 'tenant'), limit: intFlag(args.flags, 'limit', 1000) }),
  );
  for (const m of items) out(line(m));
  return 0;
}

/**
 * Queues one item's download again. A failed item's dead letter goes back
 * to its lane (only the media job's: the message's handler dead letters
 * stay where they are); an item whose job is gone gets a new one.
 */
async function fetchAgain(messageId: string, tenant: string | undefined, config: Config, out: (s: string) => void): Promise<number> {
  if (!config.media.enabled) throw new GatewayError('WAHOOK_ERR_CONFIG_INVALID', 'Invalid config key "media.enabled": media is off, so no worker would fetch it; set WAHOOK_MEDIA=on');
  const engine = createEngine(config);
  return withIndex(config, async (index) => {
    const found = await index.list({ messageId, ...(tenant !== undefined ? { tenant } : {}), limit: 2 });
    if (found.length === 0) throw new GatewayError('WAHOOK_ERR_MEDIA_NOT_FOUND', `No media item for message ${messageId}${tenant !== undefined ? ` of tenant ${tenant}` : ''}`);
    if (found.length > 1) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Message id ${messageId} has media in tenants ${found.map((m) => m.tenant).join(' and ')}; pass --tenant`);
    const item = found[0]!;
    const stores = await engine.openPipelineStores();
    try {
      const now = Date.now();
      let queued = item.jobSeq !== null ? await stores.jobs.retryDeadLetters([item.jobSeq], now, MEDIA_TARGET) : 0;
      if (queued === 0) queued = await stores.jobs.enqueue(MEDIA_TARGET, [{ tenant: item.tenant, key: messageKey(item.provider, item.messageId) }], now, MEDIA_TARGET_SPEC.lane);
      if (queued > 0) await index.record({ ...item, state: 'pending', updatedAt: now });
      out(line({ tenant: item.tenant, messageId, queued: queued > 0, ...(queued === 0 ? { reason: 'its download is already queued' } : {}) }));
      return 0;
    } finally {
      await stores.close();
    }
  }, engine);
}
