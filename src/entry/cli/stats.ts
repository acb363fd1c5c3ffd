import { resolve } from 'node:path';
import type { Config } from '../../config/load.js';
import { createDeliveryReader } from '../../compose.js';
import { SqliteEventQuery } from '../../adapters/sqlite/event-query.js';
import { SqliteEventStore } from '../../adapters/sqlite/event-store.js';
import { edgeStatsFrom } from './inspect.js';
import type { ParsedArgs } from './args.js';
import type { DeliveryReader } from '../../ports/delivery-store.js';
import type { EventQuery, PipelineStats } from '../../ports/event-store.js';

export interface Stats {
  received: number;
  stored: number;
  duplicates: number;
  rejected: Record<string, number>;
  events: number;
  eventsByKind: Record<string, number>;
  eventDuplicates: number;
  queueDepth: number;
  oldestPendingAgeMs: number;
  deadLetters: number;
  jobsPending: number;
}

/** Pipeline state plus the backlog behind the worker's cursor: what the CLI, dashboard and metrics report. */
export async function pipelineState(reader: DeliveryReader, query: EventQuery, now: number): Promise<{ p: PipelineStats; queueDepth: number; oldestPendingAgeMs: number }> {
  const p = await query.stats();
  const oldest = await reader.oldestAfter(p.cursor);
  return { p, queueDepth: oldest?.count ?? 0, oldestPendingAgeMs: oldest ? Math.max(0, now - oldest.receivedAt) : 0 };
}

/** Edge counters plus pipeline state; readable while `serve` runs. */
export async function collectStats(config: Config, now = Date.now()): Promise<Stats> {
  const reader = createDeliveryReader(config);
  const store = new SqliteEventStore(resolve(config.dataDir));
  try {
    const edge = edgeStatsFrom(await reader.counters());
    const { p, queueDepth, oldestPendingAgeMs } = await pipelineState(reader, new SqliteEventQuery(store.db), now);
    return {
      ...edge,
      events: p.events,
      eventsByKind: p.eventsByKind,
      eventDuplicates: p.duplicates,
      queueDepth,
      oldestPendingAgeMs,
      deadLetters: p.deadLetters,
      jobsPending: p.jobsPending,
    };
  } finally {
    await store.close();
    await reader.close();
  }
}

/** `wahook stats --json`: one JSON object. */
export async function statsCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const stats = await collectStats(config);
  out(args.flags.json ? `${JSON.stringify(stats)}\n` : `${JSON.stringify(stats, null, 2)}\n`);
  return 0;
}
