import type { Config } from '../../config/load.js';
import { GatewayError } from '../../core/errors.js';
import type { EventKind } from '../../core/events.js';
import { replay } from '../../pipeline/drain.js';
import { targetSpecs } from '../../pipeline/targets.js';
import { withReadStores } from '../engine-session.js';
import { intFlag, stringFlag, timeFlag, type ParsedArgs } from './args.js';

const KINDS = ['message', 'status', 'field', 'session', 'unknown', 'media'];

const line = (o: unknown): string => `${JSON.stringify(o)}\n`;

/** `wahook events --json [--kind K] [--type T] [--since ISO] [--limit N]` */
export async function eventsCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const kind = stringFlag(args.flags, 'kind');
  if (kind !== undefined && !KINDS.includes(kind)) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', `Flag --kind expects one of ${KINDS.join(', ')}`);
  const events = await withReadStores(config, ({ query }) =>
    query.events({ kind: kind as EventKind | undefined, type: stringFlag(args.flags, 'type'), since: timeFlag(args.flags, 'since'), tenant: stringFlag(args.flags, 'tenant'), limit: intFlag(args.flags, 'limit', 1000) }),
  );
  for (const e of events) out(line(e));
  return 0;
}

/** `wahook messages --json [--limit N]`: one line per message with its current status and history. */
export async function messagesCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const rows = await withReadStores(config, ({ query }) => query.messages(intFlag(args.flags, 'limit', 1000)));
  for (const m of rows) out(line(m));
  return 0;
}

/** `wahook dlq list|retry|purge [--seq N,M]` */
export async function dlqCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const action = args.positional[1];
  const seqFlag = stringFlag(args.flags, 'seq');
  const seqs = seqFlag === undefined ? [] : seqFlag.split(',').map((s) => {
    if (!/^\d+$/.test(s.trim())) throw new GatewayError('WAHOOK_ERR_CLI_USAGE', 'Flag --seq expects comma-separated numbers');
    return Number(s);
  });
  return withReadStores(config, async ({ pipeline: { jobs: q } }) => {
    switch (action) {
      case 'list':
        for (const d of await q.deadLetters(intFlag(args.flags, 'limit', 1000))) out(line(d));
        return 0;
      case 'retry':
        out(line({ retried: await q.retryDeadLetters(seqs, Date.now()) }));
        return 0;
      case 'purge':
        out(line({ purged: await q.purgeDeadLetters(seqs) }));
        return 0;
      default:
        throw new GatewayError('WAHOOK_ERR_CLI_USAGE', 'Usage: wahook dlq list|retry|purge [--seq N,M]');
    }
  });
}

/** `wahook replay [--since ISO] [--until ISO] [--tenant T]`: idempotent re-processing of stored deliveries. */
export async function replayCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const q = { since: timeFlag(args.flags, 'since'), until: timeFlag(args.flags, 'until'), tenant: stringFlag(args.flags, 'tenant') };
  const r = await withReadStores(config, ({ log, pipeline }) => replay(log, pipeline.events, q, targetSpecs(config)));
  out(line(r));
  return 0;
}
