import type { Config } from '../../config/load.js';
import { createDeliveryReader } from '../../compose.js';
import { intFlag, type ParsedArgs } from './args.js';

/** `wahook deliveries --json [--limit N]`: newest first, one JSON object per line. */
export async function deliveriesCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const reader = createDeliveryReader(config);
  try {
    const rows = await reader.list({ limit: intFlag(args.flags, 'limit', 100), newestFirst: true });
    for (const d of rows) {
      const line = { id: d.id, tenant: d.tenant, provider: d.provider, receivedAt: new Date(d.receivedAt).toISOString(), bytes: d.bytes };
      out(args.flags.json ? `${JSON.stringify(line)}\n` : `${line.id}\t${line.receivedAt}\t${line.tenant}\t${line.provider}\t${line.bytes} B\n`);
    }
  } finally {
    await reader.close();
  }
  return 0;
}

export interface EdgeStats {
  received: number;
  stored: number;
  duplicates: number;
  rejected: Record<string, number>;
}

export function edgeStatsFrom(counters: Record<string, number>): EdgeStats {
  const rejected: Record<string, number> = {};
  for (const [k, v] of Object.entries(counters)) if (k.startsWith('rejected.')) rejected[k.slice(9)] = v;
  return { received: counters.received ?? 0, stored: counters.stored ?? 0, duplicates: counters.duplicates ?? 0, rejected };
}
