import type { Config } from '../../config/load.js';
import { createDeliveryReader } from '../../compose.js';
import { edgeStatsFrom } from './inspect.js';
import type { ParsedArgs } from './args.js';

/** `wahook stats --json`: one JSON object, readable while `serve` runs. */
export async function statsCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const reader = createDeliveryReader(config);
  try {
    const stats = edgeStatsFrom(await reader.counters());
    out(args.flags.json ? `${JSON.stringify(stats)}\n` : `${JSON.stringify(stats, null, 2)}\n`);
  } finally {
    await reader.close();
  }
  return 0;
}
