import type { Config } from '../../config/load.js';
import { collectStats } from '../../pipeline/stats.js';
import { withReadStores } from '../engine-session.js';
import type { ParsedArgs } from './args.js';

/** `wahook stats --json`: one JSON object, readable while `serve` runs. */
export async function statsCommand(args: ParsedArgs, config: Config, out: (s: string) => void): Promise<number> {
  const stats = await withReadStores(config, (s) => collectStats(s.log, s.query, s.pipeline.jobs, Date.now()));
  out(args.flags.json ? `${JSON.stringify(stats)}\n` : `${JSON.stringify(stats, null, 2)}\n`);
  return 0;
}
